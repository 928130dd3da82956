package demo

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// Demo organization ids.
const (
	ViOrg         = "vi-demo"
	DeepomaticOrg = "deepomatic-demo"
	LabelboxOrg   = "labelbox-demo"
)

var never time.Time

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// seedVi: Datature Vi's Owner / Admin / Member with per-dataset and
// per-training-project roles, a group, an expiring contractor grant, a
// pipeline key and a pending invitation.
func seedVi(ctx context.Context, s *seeder) error {
	const d = "@vi-demo.example"
	s.bootstrap(ctx, ViOrg, "Acme Vision (vi demo)", "vi", "owner"+d, "owner")
	s.resource(ctx, "dataset:cats", "Cats", "", "", "", nil)
	s.resource(ctx, "dataset:dogs", "Dogs", "", "", "", nil)
	s.resource(ctx, "dataset:street-scenes", "Street scenes", "", "", "", nil)
	s.resource(ctx, "training:cat-detector", "Cat detector", "", "", "", nil)
	s.resource(ctx, "training:street-segmentation", "Street segmentation", "", "", "", nil)

	s.member(ctx, "admin"+d, "Ada Admin", "admin", "every dataset and training (org role)")
	s.member(ctx, "editor"+d, "Eddie Editor", "member", "dataset.editor of dataset:cats, training.viewer of training:cat-detector",
		ig("dataset.editor", "dataset:cats"), ig("training.viewer", "training:cat-detector"))
	s.member(ctx, "trainer"+d, "Tara Trainer", "member",
		"training.owner of cat-detector, training.editor of street-segmentation, dataset.owner of street-scenes, dataset.viewer of All Datasets",
		ig("training.owner", "training:cat-detector"), ig("training.editor", "training:street-segmentation"),
		ig("dataset.owner", "dataset:street-scenes"), ig("dataset.viewer", "dataset:*"))
	s.member(ctx, "viewer"+d, "Victor Viewer", "member", "dataset.viewer of dataset:dogs, training.viewer of street-segmentation (group QA reviewers)")
	until := now().Add(30 * 24 * time.Hour).Truncate(time.Second)
	s.member(ctx, "contractor"+d, "Carla Contractor", "member", "dataset.editor of dataset:street-scenes until "+day(until)+" (expiring grant)")
	s.member(ctx, "member"+d, "Milo Member", "member", "sees the org and the member list, nothing else")

	g := s.group(ctx, "QA reviewers", "viewer"+d)
	s.grant(ctx, "group:"+g, "dataset.viewer", "dataset:dogs", never)
	s.grant(ctx, "group:"+g, "training.viewer", "training:street-segmentation", never)
	s.grant(ctx, s.user("contractor"+d), "dataset.editor", "dataset:street-scenes", until)
	s.key(ctx, "ingest-pipeline", "dataset.editor", "dataset:street-scenes")
	s.pending(ctx, "newhire"+d, "member", ig("dataset.viewer", "dataset:cats"))
	return s.err
}

// seedDeepomatic: every global, Drive and business role, two operation
// teams with team-level roles, work-orders attached to the teams, channel
// limited operators and field engineers.
func seedDeepomatic(ctx context.Context, s *seeder) error {
	const d = "@deepomatic-demo.example"
	s.bootstrap(ctx, DeepomaticOrg, "Acme Inspection (deepomatic demo)", "deepomatic", "admin"+d, "org_admin")
	s.member(ctx, "pm"+d, "Paula Project-Manager", "project_manager", "all rights except user and team management")
	s.member(ctx, "readonly"+d, "Rory Readonly", "readonly", "reads everything")
	s.member(ctx, "datasci"+d, "Dana Data-Scientist", "data_scientist", "trains, configures and deploys")
	s.member(ctx, "auditor"+d, "Audrey Auditor", "auditor", "audits AI performance")
	s.member(ctx, "annotator"+d, "Anton Annotator", "annotator", "annotates images")
	s.member(ctx, "gallery"+d, "Gail Gallery-Viewer", "gallery_viewer", "views training data")
	s.member(ctx, "opm"+d, "Oscar Operation-PM", "operation_project_manager", "all business operations, manages business users")
	s.member(ctx, "supervisor"+d, "Sam Supervisor", "operator_manager", "every work-order")
	s.member(ctx, "operator"+d, "Olga Operator", "operator", "work-orders from the back-office only")
	s.member(ctx, "field"+d, "Fred Field-Engineer", "field_engineer", "work-orders from the mobile app only")

	north := s.team(ctx, "North depot")
	south := s.team(ctx, "South depot")
	s.member(ctx, "north-admin"+d, "Nina North-Admin", "member", "team_admin of North depot",
		ig("team_admin", "team:"+north))
	s.member(ctx, "north-operator"+d, "Noah North-Operator", "member", "team_operator of North depot (back-office only)",
		ig("team_operator", "team:"+north))
	s.member(ctx, "south-supervisor"+d, "Sara South-Supervisor", "member", "team_operator_manager of South depot",
		ig("team_operator_manager", "team:"+south))
	s.member(ctx, "south-field"+d, "Sven South-Field", "member", "team_field_engineer of South depot (mobile only)",
		ig("team_field_engineer", "team:"+south))
	for _, m := range []struct{ team, email string }{
		{north, "north-admin" + d}, {north, "north-operator" + d}, {south, "south-supervisor" + d}, {south, "south-field" + d},
	} {
		if s.err == nil {
			_, err := s.svc.SetTeamMember(ctx, s.owner, s.org, m.team, s.users[m.email], false)
			s.fail(err, "team member %s", m.email)
		}
	}

	s.resource(ctx, "dataset:pipes", "Pipe photos", "", "", "datasci"+d, nil)
	s.resource(ctx, "annotation:pipes-2024", "Pipe annotations 2024", "dataset:pipes", "", "annotator"+d, nil)
	s.resource(ctx, "model:leak-detector", "Leak detector", "", "", "datasci"+d, nil)
	s.resource(ctx, "application:leak-inspection", "Leak inspection", "", "", "datasci"+d, nil)
	s.resource(ctx, "app_config:leak-inspection-v3", "Leak inspection v3", "application:leak-inspection", "", "", nil)
	s.resource(ctx, "deployment:prod-eu", "Production EU", "", "", "datasci"+d, nil)
	s.resource(ctx, "ai_review:review-q3", "Q3 review", "", "", "auditor"+d, nil)
	s.resource(ctx, "work_order:wo-1001", "Replace valve, pier 4", "", north, "supervisor"+d, nil)
	s.resource(ctx, "work_order:wo-1002", "Inspect pump station N2", "", north, "supervisor"+d, nil)
	s.resource(ctx, "work_order:wo-2001", "Check leak sensor S7", "", south, "supervisor"+d, nil)
	s.resource(ctx, "work_order:wo-3001", "Yearly audit, headquarters", "", "", "supervisor"+d, nil)

	s.key(ctx, "work-order-sync", "operator_manager", "org")
	return s.err
}

// seedLabelbox: workspace-wide and project-based roles, groups, a custom
// role, labels with owners and workflow tasks (one in rework), and an
// expiring contractor grant.
func seedLabelbox(ctx context.Context, s *seeder) error {
	const d = "@labelbox-demo.example"
	s.bootstrap(ctx, LabelboxOrg, "Acme Labeling (labelbox demo)", "labelbox", "admin"+d, "admin")
	s.member(ctx, "readonly-admin"+d, "Rita Readonly-Admin", "readonly_admin", "sees everything, changes nothing")
	s.member(ctx, "data-admin"+d, "Dario Data-Admin", "data_admin", "data, projects and models, not members")
	s.member(ctx, "lead"+d, "Lena Lead", "project_lead", "workspace-wide project lead; edits the projects it owns (retail-shelves)")
	s.member(ctx, "manager"+d, "Mika Team-Manager", "team_manager", "manages labeling teams of projects")
	s.member(ctx, "reviewer"+d, "Rene Reviewer", "reviewer", "reviews labels everywhere")
	s.member(ctx, "labeler"+d, "Lou Labeler", "labeler", "workspace-wide labeler: own labels, and labels in rework")
	s.member(ctx, "lab1"+d, "Liam Labeler-1", "member", "labeler of traffic-signs (group Labelers)")
	s.member(ctx, "lab2"+d, "Lea Labeler-2", "member", "labeler of traffic-signs (group Labelers)")
	s.member(ctx, "rev1"+d, "Raj Reviewer-1", "member", "reviewer of traffic-signs (group Reviewers)")
	s.member(ctx, "qa"+d, "Quinn QA", "member", "custom role qa_auditor on retail-shelves")
	until := now().Add(14 * 24 * time.Hour).Truncate(time.Second)
	s.member(ctx, "contractor"+d, "Cole Contractor", "member", "labeler of retail-shelves until "+day(until)+" (expiring grant)")

	s.resource(ctx, "dataset:street-photos", "Street photos", "", "", "data-admin"+d, nil)
	s.resource(ctx, "ontology:road-objects", "Road objects", "", "", "data-admin"+d, nil)
	s.resource(ctx, "model:sign-classifier", "Sign classifier", "", "", "data-admin"+d, nil)
	s.resource(ctx, "project:traffic-signs", "Traffic signs", "", "", "", nil)
	s.resource(ctx, "project:retail-shelves", "Retail shelves", "", "", "lead"+d, nil)
	s.resource(ctx, "batch:ts-batch-1", "Traffic signs, batch 1", "project:traffic-signs", "", "", nil)
	label := func(id, project, owner, task string) {
		s.resource(ctx, "label:"+id, "Label "+id, "project:"+project, "", owner+d, map[string]string{"task": task})
	}
	label("ts-001", "traffic-signs", "lab1", "label")
	label("ts-002", "traffic-signs", "lab2", "review")
	label("ts-003", "traffic-signs", "lab2", "rework")
	label("ts-004", "traffic-signs", "labeler", "label")
	label("rs-001", "retail-shelves", "contractor", "label")
	label("rs-002", "retail-shelves", "lead", "rework")
	s.resource(ctx, "issue:ts-issue-1", "Blurry sign", "project:traffic-signs", "", "lab1"+d, nil)
	s.resource(ctx, "comment:ts-comment-1", "Needs a better crop", "issue:ts-issue-1", "", "rev1"+d, nil)
	s.resource(ctx, "metric:ts-lab1", "Liam's metrics", "project:traffic-signs", "", "lab1"+d, nil)

	labelers := s.group(ctx, "Labelers", "lab1"+d, "lab2"+d)
	reviewers := s.group(ctx, "Reviewers", "rev1"+d)
	s.grant(ctx, "group:"+labelers, "labeler", "project:traffic-signs", never)
	s.grant(ctx, "group:"+reviewers, "reviewer", "project:traffic-signs", never)
	s.grant(ctx, s.user("contractor"+d), "labeler", "project:retail-shelves", until)
	if s.err == nil {
		_, _, err := s.svc.CreateRole(ctx, s.owner, s.org, domain.Role{ID: "qa_auditor", Name: "QA Auditor", ScopeType: "project",
			Permissions: []domain.RolePermission{{ID: "label.view"}, {ID: "label.review"}, {ID: "issue.manage"}, {ID: "metrics.view"}}})
		s.fail(err, "custom role qa_auditor")
	}
	s.grant(ctx, s.user("qa"+d), "qa_auditor", "project:retail-shelves", never)
	s.key(ctx, "labeling-service", "data_admin", "org")
	return s.err
}
