package scheme

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadDir parses every *.yaml file of dir, in name order, but the test
// suites kept beside them (*_test.yaml, as Go keeps tests beside code;
// gatehouse scheme test runs those). Every problem of every file is
// reported (FILE:LINE: what is wrong), and so are an id that shadows a
// built-in scheme and two files of one id: an operator fixing a directory
// should see all of it at once, not one file per restart.
func LoadDir(dir string) ([]*Scheme, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("scheme directory: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var (
		out  []*Scheme
		errs []string
		from = map[string]string{} // id -> file
	)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.yaml") {
			continue
		}
		s, err := ParseFile(f)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if Builtin(s.ID) {
			errs = append(errs, fmt.Sprintf("%s:%d: scheme id %q is a built-in scheme's; choose another id", f, s.Line("id"), s.ID))
			continue
		}
		if prev, dup := from[s.ID]; dup {
			errs = append(errs, fmt.Sprintf("%s:%d: scheme id %q is already the id of %s", f, s.Line("id"), s.ID, prev))
			continue
		}
		from[s.ID] = f
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

// ParseFile reads and parses one scheme file; errors name it as given.
func ParseFile(path string) (*Scheme, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Line is the line of a top-level key of the scheme's file (1 when the key
// is absent), for errors found about the file after it parsed.
func (s *Scheme) Line(key string) int { return keyLine(s.source, key) }
