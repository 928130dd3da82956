package domain

// Op names what one Change does to an organization's access state.
type Op string

const (
	OpPutMember         Op = "member.put"
	OpDeleteMember      Op = "member.delete"
	OpPutGrant          Op = "grant.put"
	OpDeleteGrant       Op = "grant.delete"
	OpPutResource       Op = "resource.put"
	OpDeleteResource    Op = "resource.delete" // the resource and its children
	OpPutTeam           Op = "team.put"
	OpDeleteTeam        Op = "team.delete"
	OpPutTeamMember     Op = "team_member.put"
	OpDeleteTeamMember  Op = "team_member.delete"
	OpPutGroup          Op = "group.put"
	OpDeleteGroup       Op = "group.delete"
	OpPutGroupMember    Op = "group_member.put"
	OpDeleteGroupMember Op = "group_member.delete"
	OpPutRole           Op = "role.put"
	OpDeleteRole        Op = "role.delete"
	OpPutKey            Op = "key.put"    // a live key as a subject
	OpDeleteKey         Op = "key.delete" // revoked or expired for good
	OpPutGate           Op = "gate.put"
	OpDeleteGate        Op = "gate.delete"
	OpPutApproval       Op = "approval.put" // opened, or ended early (EndedAt set)
	OpPutAlias          Op = "alias.put"
	OpDeleteAlias       Op = "alias.delete"
)

// Change is one step of the changelog: the engine applies it in memory, the
// store records it with the revision it produced so replicas can follow.
// Exactly the field that Op names is set; deletes carry only the identifying
// fields.
type Change struct {
	Op         Op          `json:"op"`
	Member     *Member     `json:"member,omitempty"`
	Grant      *Grant      `json:"grant,omitempty"`
	Resource   *Resource   `json:"resource,omitempty"`
	Team       *Team       `json:"team,omitempty"`
	Group      *Group      `json:"group,omitempty"`
	Membership *Membership `json:"membership,omitempty"` // team or group membership
	Role       *Role       `json:"role,omitempty"`
	Key        *KeyRecord  `json:"key,omitempty"`
	Gate       *Gate       `json:"gate,omitempty"`
	Approval   *Approval   `json:"approval,omitempty"`
	Alias      *Alias      `json:"alias,omitempty"`
}

// Snapshot is an organization's whole access state, from which the engine
// builds its index at start.
type Snapshot struct {
	Org          Org
	Revision     int64
	Members      []Member
	Grants       []Grant
	Resources    []Resource // parents before children
	Teams        []Team
	TeamMembers  []Membership
	Groups       []Group
	GroupMembers []Membership
	Roles        []Role // custom roles
	Keys         []KeyRecord
	Gates        []Gate
	Approvals    []Approval // those not ended early; the engine judges Until
	Aliases      []Alias    // in the order given, so a member's first is her primary
}
