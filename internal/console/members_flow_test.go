package console_test

import (
	"fmt"
)

// membPickRole chooses a role in the Add access form as a person does (the
// change event), and waits for the "On" list of that role to swap in.
func (b *tab) membPickRole(role string) {
	b.t.Helper()
	b.choose("#grant-role", role)
	b.eval(`(function(){document.getElementById("grant-role").dispatchEvent(new Event("change", {bubbles: true})); return ""})()`)
	b.waitFor(fmt.Sprintf(`#grant-scope-field[data-role=%q]`, role))
}
