package domain

// Via is what a subject holds a role through: its membership, a grant of
// its own, or a grant of one of its groups (the group's subject,
// "group:ID").
type Via string

const (
	ViaMembership Via = "membership"
	ViaDirect     Via = "direct"
)

// Reason names what allowed a decision, or on a denial the condition that
// failed, if one did.
type Reason struct {
	Grant     string // grant id; empty when the membership role allowed
	Role      string
	Scope     string
	Via       Via
	Condition string
	// Approval, for a gated permission, names the window that allowed the
	// decision or says that none covers it.
	Approval string
}

// SubjectAccess is one subject that may act on a resource, and the path.
type SubjectAccess struct {
	Subject string
	Reason  Reason
}

// Access is one entry of a member's effective access to a resource type:
// the role held, where, and through what.
type Access struct {
	ID    string // resource id, "*" for every resource of the type, else the scope
	Role  string
	Scope string
	Via   Via
	Grant string // empty for the membership role
}
