package team

import (
	"encoding/json"
	"maps"
	"testing"
)

// Stated properties reach conditions as text, a number as the request
// wrote it whether it was decoded as a float or kept as a json.Number.
func TestStatedText(t *testing.T) {
	got := statedText(map[string]any{"s": "x", "b": true, "f": 1.5, "n": json.Number("1"), "o": map[string]any{}, "z": nil})
	want := map[string]string{"s": "x", "b": "true", "f": "1.5", "n": "1"}
	if !maps.Equal(got, want) {
		t.Errorf("statedText = %v, want %v", got, want)
	}
}
