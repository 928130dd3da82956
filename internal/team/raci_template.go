package team

// The RACI templates: seed 000's four tables ("Roles and RACI Checklist"),
// each row's letter and activity as the seed writes them, and what puts a
// person in that row: a permission of the scheme (whoever holds it, through
// whatever role), the owners of secret keys, or a named assignment for the
// duties the platform has no permission for ("record the approver in your
// SOP"). The report fills them in; this file is the only place the mapping
// lives. A test checks every permission named here against the scheme.

// raciTemplate is one scheme's tables.
type raciTemplate struct {
	Source string // where the template comes from
	Tables []raciTable
}

type raciTable struct {
	ID, Title, Intro string
	// Per is the resource type the table is about ("dataset", "training"):
	// its rows list the holders for All and, where they differ, for each
	// resource of the type. "" is the organization alone.
	Per  string
	Rows []raciRow
}

type raciRow struct {
	Letter   string // R, A, C or I
	Activity string
	Typical  string // the seed's "typical owner in Vi"
	Note     string
	// Permissions put whoever holds one of them in the row.
	Permissions []string
	// Without leaves out who also holds this permission where the row is
	// read: the I rows are for read-only access.
	Without string
	// KeyOwners puts the members who own a live secret key in the row.
	KeyOwners bool
	// Assignments are named assignments that put their holders in the
	// row; while one is not named the row says so and how to name it.
	Assignments []string
}

// raciTemplates maps a scheme to its template. Deepomatic and Labelbox have
// none: their seeds write no RACI table, and the report says so rather than
// invent one (docs/decisions.md, "RACI").
var raciTemplates = map[string]*raciTemplate{"vi": viRACI}

var viRACI = &raciTemplate{
	Source: "seed 000, Roles and RACI Checklist (Datature Vi)",
	Tables: []raciTable{
		{ID: "labeling", Title: "Labeling and dataset QA", Per: "dataset",
			Intro: "Who uploads images, edits annotations, and who gives final sign-off. Dataset Editors change labels; Viewers read only; Owners control the dataset end to end.",
			Rows: []raciRow{
				{Letter: "R", Activity: "perform labeling", Typical: "Members with dataset Editor (or Owner)",
					Note: "Scope datasets so annotators only see what they need", Permissions: []string{"dataset.annotate"}},
				{Letter: "A", Activity: "accept label quality", Typical: "Dataset Owner or your QA lead (org policy)",
					Note:        "No second sign-off button: the QA lead is named in Gatehouse",
					Permissions: []string{"dataset.settings"}, Assignments: []string{"QA lead"}},
				{Letter: "C", Activity: "domain expertise", Typical: "Named SMEs (any role with Viewer+ on that dataset)",
					Note: "Often clinical, safety, or product specialists", Assignments: []string{"Subject-matter expert"}},
				{Letter: "I", Activity: "visibility", Typical: "PM, compliance, or leads with Viewer access",
					Note: "Read-only access avoids accidental edits", Permissions: []string{"dataset.view"}, Without: "dataset.annotate"},
			}},
		{ID: "training", Title: "Training runs and configuration", Per: "training",
			Intro: "Training project Owners control workflows, settings, deployments, and deleting the project. Editors create workflows and start runs. Viewers see metrics only.",
			Rows: []raciRow{
				{Letter: "R", Activity: "configure workflows and launch runs", Typical: "Training Editor or Owner",
					Note: "Editors cannot delete the project", Permissions: []string{"training.workflow", "training.run"}},
				{Letter: "A", Activity: "accept training setup and spend", Typical: "Training Owner or ML lead (org policy)",
					Note:        "Compute usage ties to the plan; see resource usage",
					Permissions: []string{"training.settings"}, Assignments: []string{"ML lead"}},
				{Letter: "C", Activity: "data and eval input", Typical: "Dataset Owners, eval owners",
					Note:        "Connect dataset work and evaluation expectations early",
					Permissions: []string{"dataset.settings"}, Assignments: []string{"Eval owner"}},
				{Letter: "I", Activity: "stakeholders", Typical: "Members with training Viewer",
					Note: "Works for executive read-only without write risk", Permissions: []string{"training.view"}, Without: "training.run"},
			}},
		{ID: "export", Title: "Model export and production use", Per: "training",
			Intro: "Anyone with permission to export can download weights. Production readiness (security review, latency targets, rollback) is an Accountable role outside the product.",
			Rows: []raciRow{
				{Letter: "R", Activity: "run export and wire inference", Typical: "ML engineer with training access + secret key for SDK",
					Note: "Follow secret key hygiene", Permissions: []string{"training.export", "training.deploy"}},
				{Letter: "A", Activity: "approve production cutover", Typical: "Engineering or product lead (org policy)",
					Note: "Not a platform gate: the approver is named in Gatehouse", Assignments: []string{"Production approver"}},
				{Letter: "C", Activity: "platform / security", Typical: "Infra or AppSec (offline)",
					Note: "Especially before sharing weights outside the organization", Assignments: []string{"Security reviewer"}},
				{Letter: "I", Activity: "dependent teams", Typical: "PM, support, GTM",
					Note: "Tell them when a model version changes", Assignments: []string{"Release contact"}},
			}},
		{ID: "keys-billing", Title: "Secret keys and billing",
			Intro: "Only Owner or Admin can create a secret key. Only Owner changes billing and plan. Admins manage members and resources but not invoices.",
			Rows: []raciRow{
				{Letter: "R", Activity: "create, rotate, and store keys", Typical: "Owner or Admin creates keys; DevOps stores them in a secrets manager",
					Note: "Rotate on compromise immediately", Permissions: []string{"keys.manage"}, Assignments: []string{"Key custodian"}},
				{Letter: "A", Activity: "key and spend policy", Typical: "Owner for billing; security lead for key standards (offline)",
					Note:        "Split A if finance and security are separate",
					Permissions: []string{"billing.manage"}, Assignments: []string{"Security lead"}},
				{Letter: "C", Activity: "auditors, IT", Typical: "Offline reviewers",
					Note: "Who reads the audit log, and the named IT reviewers", Permissions: []string{"audit.view"}, Assignments: []string{"IT reviewer"}},
				{Letter: "I", Activity: "project teams", Typical: "Members who consume APIs",
					Note: "They need key rotation windows, not the secret values", KeyOwners: true},
			}},
	},
}
