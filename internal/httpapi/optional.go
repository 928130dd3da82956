package httpapi

import (
	"encoding/json"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// optionalTime is a field of a PATCH body that can be left out (unchanged),
// null (taken away) or a time (set): a pointer cannot tell the first two
// apart. encoding/json calls UnmarshalJSON for null too.
type optionalTime struct {
	Set  bool
	Time time.Time // zero when null
}

func (o *optionalTime) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Time = time.Time{}
		return nil
	}
	return json.Unmarshal(b, &o.Time)
}

func (optionalTime) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Format: "date-time", Nullable: true}
}

// ptr is what team takes for it: nil to leave alone, the zero time to clear.
func (o optionalTime) ptr() *time.Time {
	if !o.Set {
		return nil
	}
	return &o.Time
}

// optionalString is optionalTime for a string: left out, null or "" (taken
// away), or a value.
type optionalString struct {
	Set   bool
	Value string
}

func (o *optionalString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = ""
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

func (optionalString) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Nullable: true}
}

func (o optionalString) ptr() *string {
	if !o.Set {
		return nil
	}
	return &o.Value
}
