package cli

import (
	"errors"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newReviewCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "review", Aliases: []string{"reviews"},
		Short: "Access reviews: create, list, show, items, decide, close, evidence"}
	orgFlag(cmd, &org)
	reviewTable := func(t *tw, r *client.Review) {
		t.row("ID", "NAME", "SCOPE", "STATE", "DUE", "OVERDUE", "DECIDED", "UNDECIDED_RULE")
		t.row(r.ID, r.Name, r.Scope, r.State, ts(&r.DueAt), strconv.FormatBool(r.Overdue),
			strconv.Itoa(r.Decided)+"/"+strconv.Itoa(r.Items), r.Undecided)
	}
	var name, due, scope, undecided string
	var reviewers []string
	create := &cobra.Command{
		Use: "create", Short: "Open a review: a snapshot of every member's access, to decide keep or revoke on", Args: cobra.NoArgs,
		Example: "  gatehouse review create --org acme --name 'Q3 access' --due 2026-09-30\n" +
			"  gatehouse review create --org acme --name Cats --due 336h --scope dataset:cats --reviewer u_1 --undecided revoke",
		RunE: show(a, &org, []string{"name", "due"}, func(c call) (*client.Review, error) {
			at, err := parseExpiry(due)
			if err != nil {
				return nil, err
			}
			if at == nil {
				return nil, errors.New("--due needs a date, a time or a duration")
			}
			return c.api.CreateReview(c.ctx, c.org, client.ReviewRequest{Name: name, DueAt: *at, Reviewers: reviewers,
				Scope: scope, Undecided: undecided})
		}, reviewTable),
	}
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().StringVar(&due, "due", "", "due date: RFC 3339 time, date or duration from now")
	create.Flags().StringVar(&scope, "scope", "", "org (default) or a resource TYPE:ID")
	create.Flags().StringSliceVar(&reviewers, "reviewer", nil, "a reviewer's user id (repeat; default the user managers and you)")
	create.Flags().StringVar(&undecided, "undecided", "", "what closing does with undecided items: keep (default) or revoke")
	list := &cobra.Command{
		Use: "list", Short: "List the reviews you may see, newest first", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Review, error) {
			return c.api.ListReviews(c.ctx, c.org)
		}, func(t *tw, rs []client.Review) {
			t.row("ID", "NAME", "SCOPE", "STATE", "DUE", "OVERDUE", "DECIDED")
			for _, r := range rs {
				t.row(r.ID, r.Name, r.Scope, r.State, ts(&r.DueAt), strconv.FormatBool(r.Overdue), strconv.Itoa(r.Decided)+"/"+strconv.Itoa(r.Items))
			}
		}),
	}
	get := &cobra.Command{
		Use: "show ID", Aliases: []string{"get"}, Short: "Show a review", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Review, error) { return c.api.GetReview(c.ctx, c.org, c.args[0]) }, reviewTable),
	}
	items := &cobra.Command{
		Use: "items ID", Short: "List a review's items with their decisions", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) ([]client.ReviewItem, error) {
			return c.api.ListReviewItems(c.ctx, c.org, c.args[0])
		}, func(t *tw, is []client.ReviewItem) {
			t.row("ITEM", "MEMBER", "ROLE", "SCOPE", "VIA", "DECISION", "OUTCOME")
			for _, it := range is {
				t.row(it.ID, it.Email, it.Role, it.Scope, it.Via, orDash(it.Decision), orDash(it.Outcome))
			}
		}),
	}
	var note string
	decide := &cobra.Command{
		Use: "decide ID ITEM keep|revoke", Short: "Decide on an item (reviewers only; revoke only what you could revoke yourself)",
		Args:    cobra.ExactArgs(3),
		Example: "  gatehouse review decide --org acme ar_1 ri_2 revoke --note 'left the project'",
		RunE: show(a, &org, nil, func(c call) (*client.ReviewItem, error) {
			d := strings.ToLower(c.args[2])
			if d != "keep" && d != "revoke" {
				return nil, errors.New("the decision is keep or revoke")
			}
			return c.api.DecideReviewItem(c.ctx, c.org, c.args[0], c.args[1], d, note)
		}, func(t *tw, it *client.ReviewItem) {
			t.row("ITEM", "MEMBER", "ROLE", "SCOPE", "DECISION", "REVISION")
			t.row(it.ID, it.Email, it.Role, it.Scope, it.Decision, i64(it.Revision))
		}),
	}
	decide.Flags().StringVar(&note, "note", "", "why (kept in the evidence)")
	closeCmd := &cobra.Command{
		Use: "close ID", Short: "Close a review: apply its revocations in one write", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.ReviewClosed, error) {
			return c.api.CloseReview(c.ctx, c.org, c.args[0])
		}, func(t *tw, r *client.ReviewClosed) {
			t.row("ID", "REVOKED", "KEPT", "GONE", "REFUSED", "REVISION")
			t.row(r.Review.ID, strconv.Itoa(r.Revoked), strconv.Itoa(r.Kept), strconv.Itoa(r.Gone), strconv.Itoa(r.Refused), i64(r.Revision))
		}),
	}
	var format string
	evidence := &cobra.Command{
		Use: "evidence ID", Short: "Export a review's evidence: every item, decision and the sign-off", Args: cobra.ExactArgs(1),
		Example: "  gatehouse review evidence --org acme ar_1 > q3-evidence.csv",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if a.output == "json" && !cmd.Flags().Changed("format") {
				format = "json"
			}
			b, err := a.client().ReviewEvidence(cmd.Context(), org, args[0], format)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	evidence.Flags().StringVar(&format, "format", "csv", "csv or json (json with -o json)")
	cmd.AddCommand(create, list, get, items, decide, closeCmd, evidence)
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
