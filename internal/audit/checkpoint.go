package audit

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// Checkpoint is an organization's chain head as the server saw it at At,
// signed. A checkpoints file holds one per line, as JSON:
//
//	{"org":"acme","seq":42,"hash":"…","at":"2026-…Z","key_id":"…","public_key":"…","signature":"…"}
//
// public_key and signature are standard base64. The signature is Ed25519
// over checkpointTag, org, seq (decimal), hash and at (RFC 3339 with
// nanoseconds, UTC), each as an 8-byte big-endian length and its bytes,
// the chain's own encoding; so anyone holding the public key can check a
// line without Gatehouse.
type Checkpoint struct {
	Org       string    `json:"org"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	KeyID     string    `json:"key_id"`
	PublicKey []byte    `json:"public_key"`
	Signature []byte    `json:"signature"`
}

const checkpointTag = "gatehouse/audit/checkpoint/v1"

func (c Checkpoint) message() []byte {
	var b bytes.Buffer
	field(&b, checkpointTag)
	field(&b, c.Org)
	field(&b, strconv.FormatInt(c.Seq, 10))
	field(&b, c.Hash)
	field(&b, c.At.UTC().Format(time.RFC3339Nano))
	return b.Bytes()
}

// Checkpoint signs the head (seq, hash) of org's chain as of at.
func (k *Key) Checkpoint(org string, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{Org: org, Seq: seq, Hash: hash, At: at.UTC().Truncate(time.Microsecond),
		KeyID: k.id, PublicKey: slices.Clone(k.pub)}
	c.Signature = ed25519.Sign(k.sign, c.message())
	return c
}

// VerifySignature checks c against a public key the caller trusts (never
// the one c carries, which anyone can replace along with the signature).
func (c Checkpoint) VerifySignature(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, c.message(), c.Signature) {
		return errors.New("the signature does not verify")
	}
	return nil
}

// CheckCheckpoint reports whether c was signed with k.
func (k *Key) CheckCheckpoint(c Checkpoint) error {
	if c.KeyID != k.id || !bytes.Equal(c.PublicKey, k.pub) {
		return fmt.Errorf("signed by key id %q, not by this audit key (id %s)", c.KeyID, k.id)
	}
	if c.Org == "" || c.Seq < 1 || len(c.Hash) != len(Genesis) {
		return errors.New("not a checkpoint: it needs an org, a seq of at least 1 and a hash")
	}
	return c.VerifySignature(k.pub)
}

// ReadCheckpoints reads a checkpoints file's lines and checks every one
// against k: a line that does not parse or whose signature fails is an
// error naming its line number, because a checkpoint nobody can trust
// says nothing about the chain. The one exception is a last line with no
// newline that does not parse: a write cut short by a crash, which torn
// reports so the caller can say so.
func (k *Key) ReadCheckpoints(r io.Reader) (cps []Checkpoint, torn bool, err error) {
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, false, rerr
		}
		complete := rerr == nil
		if s := bytes.TrimSpace(line); len(s) > 0 {
			var c Checkpoint
			if err := json.Unmarshal(s, &c); err != nil {
				if !complete {
					return cps, true, nil
				}
				return nil, false, fmt.Errorf("line %d: not a checkpoint: %w", n, err)
			}
			if err := k.CheckCheckpoint(c); err != nil {
				return nil, false, fmt.Errorf("line %d (org %q, seq %d): %w", n, c.Org, c.Seq, err)
			}
			cps = append(cps, c)
		}
		if !complete {
			return cps, false, nil
		}
	}
}

// ReadCheckpointsFile is ReadCheckpoints of the file at path; errors name
// the file.
func (k *Key) ReadCheckpointsFile(path string) (cps []Checkpoint, torn bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("audit checkpoints: %w", err)
	}
	defer f.Close()
	cps, torn, err = k.ReadCheckpoints(f)
	if err != nil {
		return nil, false, fmt.Errorf("audit checkpoints %s: %w", path, err)
	}
	return cps, torn, nil
}

// ByOrg groups checkpoints by organization.
func ByOrg(cps []Checkpoint) map[string][]Checkpoint {
	m := map[string][]Checkpoint{}
	for _, c := range cps {
		m[c.Org] = append(m[c.Org], c)
	}
	return m
}

// Newest returns the checkpoint of highest Seq of each organization (the
// latest signed, among equals).
func Newest(cps []Checkpoint) map[string]Checkpoint {
	m := map[string]Checkpoint{}
	for _, c := range cps {
		if old, ok := m[c.Org]; !ok || c.Seq > old.Seq || c.Seq == old.Seq && !c.At.Before(old.At) {
			m[c.Org] = c
		}
	}
	return m
}

func sortCheckpoints(cps []Checkpoint) {
	slices.SortStableFunc(cps, func(a, b Checkpoint) int { return cmp.Compare(a.Seq, b.Seq) })
}

// CheckpointLog appends checkpoints to a file.
type CheckpointLog struct {
	f *os.File
}

// OpenCheckpointLog opens path for appending, creating it with mode 0600.
// If the file ends in a line cut short by a crash, that fragment is cut
// off: it was never a checkpoint, and left in place it would become a
// broken line in the middle of the file once the next one is appended.
func OpenCheckpointLog(path string) (*CheckpointLog, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	fail := func(err error) (*CheckpointLog, error) {
		f.Close()
		return nil, fmt.Errorf("audit checkpoints %s: %w", path, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if err := syncDir(filepath.Dir(path)); err != nil {
			return fail(err)
		}
	}
	end, err := completeLines(f)
	if err != nil {
		return fail(err)
	}
	if st, err := f.Stat(); err != nil {
		return fail(err)
	} else if st.Size() != end {
		if err := f.Truncate(end); err != nil {
			return fail(err)
		}
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	return &CheckpointLog{f: f}, nil
}

// completeLines returns the length of f up to and including its last
// newline.
func completeLines(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 4096)
	for end := st.Size(); end > 0; {
		n := min(int64(len(buf)), end)
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}

// Append writes cps, one line each, in one write, and syncs the file: a
// checkpoint counts once it is on disk.
func (l *CheckpointLog) Append(cps ...Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, c := range cps {
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("audit checkpoints: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit checkpoints: %w", err)
	}
	return nil
}

// Close closes the file.
func (l *CheckpointLog) Close() error { return l.f.Close() }
