package engines

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	"github.com/openfga/language/pkg/go/transformer"
	"github.com/openfga/openfga/pkg/encoder"
	"github.com/openfga/openfga/pkg/server"
	"github.com/openfga/openfga/pkg/storage"
	"github.com/openfga/openfga/pkg/storage/memory"
	"github.com/openfga/openfga/pkg/storage/migrate"
	"github.com/openfga/openfga/pkg/storage/sqlcommon"
	"github.com/openfga/openfga/pkg/storage/sqlite"

	"github.com/gatehouse/gatehouse/bench/vi"
)

// OpenFGAModel is the vi scheme in OpenFGA's DSL: view and annotate through
// a direct dataset role or the org's owner/admin role.
const OpenFGAModel = `model
  schema 1.1

type user

type org
  relations
    define owner: [user]
    define admin: [user]
    define member: [user]

type dataset
  relations
    define org: [org]
    define owner: [user]
    define editor: [user]
    define viewer: [user]
    define can_view: viewer or editor or owner or admin from org or owner from org
    define can_annotate: editor or owner or admin from org or owner from org
`

// OpenFGATuples lists the org's relationships: memberships, dataset→org
// links and grants.
func OpenFGATuples(o *vi.Org) []*openfgav1.TupleKey {
	org := "org:" + vi.OrgID
	out := make([]*openfgav1.TupleKey, 0, o.Tuples())
	out = append(out, &openfgav1.TupleKey{Object: org, Relation: "owner", User: "user:" + o.Owner})
	for _, a := range o.Admins {
		out = append(out, &openfgav1.TupleKey{Object: org, Relation: "admin", User: "user:" + a})
	}
	for _, m := range o.Members {
		out = append(out, &openfgav1.TupleKey{Object: org, Relation: "member", User: "user:" + m})
	}
	for _, d := range o.Datasets {
		out = append(out, &openfgav1.TupleKey{Object: "dataset:" + d, Relation: "org", User: org})
	}
	for _, g := range o.Grants {
		out = append(out, &openfgav1.TupleKey{Object: "dataset:" + g.Dataset, Relation: strings.TrimPrefix(g.Role, "dataset."), User: "user:" + g.User})
	}
	return out
}

// OpenFGA is OpenFGA's server embedded in process (pkg/server), on its
// memory or SQLite datastore.
type OpenFGA struct {
	name    string
	srv     *server.Server
	ds      storage.OpenFGADatastore
	StoreID string
	ModelID string
}

// OpenFGAOptions are the embedded server's settings that differ from its
// defaults; both the in-process runs and `openfga run` over HTTP use them.
func OpenFGAOptions() []server.OpenFGAServiceV1Option {
	return nil
}

// NewOpenFGAMemory starts an embedded server on the memory datastore.
func NewOpenFGAMemory(ctx context.Context) (*OpenFGA, error) {
	ds := memory.New()
	return newOpenFGA(ctx, "OpenFGA (memory)", ds, encoder.NewStringContinuationTokenSerializer())
}

// NewOpenFGASQLite starts an embedded server on a SQLite datastore at path,
// migrating it first.
func NewOpenFGASQLite(ctx context.Context, path string) (*OpenFGA, error) {
	uri := "file:" + path
	if err := migrate.RunMigrations(migrate.MigrationConfig{Engine: "sqlite", URI: uri, Timeout: time.Minute, PingTimeout: 10 * time.Second}); err != nil {
		return nil, fmt.Errorf("openfga sqlite migrations: %w", err)
	}
	ds, err := sqlite.New(uri, sqlcommon.NewConfig(sqlcommon.WithMaxOpenConns(30), sqlcommon.WithMaxIdleConns(10)))
	if err != nil {
		return nil, err
	}
	return newOpenFGA(ctx, "OpenFGA (SQLite)", ds, sqlcommon.NewSQLContinuationTokenSerializer())
}

func newOpenFGA(ctx context.Context, name string, ds storage.OpenFGADatastore, ser encoder.ContinuationTokenSerializer) (*OpenFGA, error) {
	opts := append([]server.OpenFGAServiceV1Option{server.WithDatastore(ds), server.WithContinuationTokenSerializer(ser)}, OpenFGAOptions()...)
	srv, err := server.NewServerWithOpts(opts...)
	if err != nil {
		return nil, err
	}
	return &OpenFGA{name: name, srv: srv, ds: ds}, nil
}

// Setup creates the store and writes the model.
func (f *OpenFGA) Setup(ctx context.Context) error {
	st, err := f.srv.CreateStore(ctx, &openfgav1.CreateStoreRequest{Name: "vi-bench"})
	if err != nil {
		return err
	}
	f.StoreID = st.GetId()
	model, err := transformer.TransformDSLToProto(OpenFGAModel)
	if err != nil {
		return err
	}
	m, err := f.srv.WriteAuthorizationModel(ctx, &openfgav1.WriteAuthorizationModelRequest{
		StoreId: f.StoreID, SchemaVersion: model.GetSchemaVersion(), TypeDefinitions: model.GetTypeDefinitions(), Conditions: model.GetConditions()})
	if err != nil {
		return err
	}
	f.ModelID = m.GetAuthorizationModelId()
	return nil
}

// Load writes tuples straight into the datastore in batches of batch
// (skipping the API's 100-per-write limit, which only slows a bulk load).
// progress, when set, is called after each batch.
func (f *OpenFGA) Load(ctx context.Context, tuples []*openfgav1.TupleKey, batch int, progress func(done int)) error {
	for i := 0; i < len(tuples); i += batch {
		end := min(i+batch, len(tuples))
		if err := f.ds.Write(ctx, f.StoreID, nil, tuples[i:end]); err != nil {
			return fmt.Errorf("write tuples %d-%d: %w", i, end, err)
		}
		if progress != nil {
			progress(end)
		}
	}
	return nil
}

func (f *OpenFGA) Name() string { return f.name }

func (f *OpenFGA) Close() error {
	f.srv.Close()
	f.ds.Close()
	return nil
}

func (f *OpenFGA) Check(ctx context.Context, c vi.Check) (bool, error) {
	r, err := f.srv.Check(ctx, &openfgav1.CheckRequest{StoreId: f.StoreID, AuthorizationModelId: f.ModelID,
		TupleKey: &openfgav1.CheckRequestTupleKey{User: "user:" + c.User, Relation: "can_" + c.Perm, Object: "dataset:" + c.Dataset}})
	if err != nil {
		return false, err
	}
	return r.GetAllowed(), nil
}

func (f *OpenFGA) BatchCheck(ctx context.Context, cs []vi.Check) ([]bool, error) {
	req := &openfgav1.BatchCheckRequest{StoreId: f.StoreID, AuthorizationModelId: f.ModelID}
	for i, c := range cs {
		req.Checks = append(req.Checks, &openfgav1.BatchCheckItem{CorrelationId: strconv.Itoa(i),
			TupleKey: &openfgav1.CheckRequestTupleKey{User: "user:" + c.User, Relation: "can_" + c.Perm, Object: "dataset:" + c.Dataset}})
	}
	r, err := f.srv.BatchCheck(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(cs))
	for id, res := range r.GetResult() {
		i, err := strconv.Atoi(id)
		if err != nil || i < 0 || i >= len(out) {
			return nil, fmt.Errorf("batch check: unexpected correlation id %q", id)
		}
		if e := res.GetError(); e != nil {
			return nil, fmt.Errorf("batch check item %d: %s", i, e.GetMessage())
		}
		out[i] = res.GetAllowed()
	}
	return out, nil
}

func (f *OpenFGA) ListDatasets(ctx context.Context, user, perm string) ([]string, error) {
	r, err := f.srv.ListObjects(ctx, &openfgav1.ListObjectsRequest{StoreId: f.StoreID, AuthorizationModelId: f.ModelID,
		Type: "dataset", Relation: "can_" + perm, User: "user:" + user})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(r.GetObjects()))
	for _, o := range r.GetObjects() {
		out = append(out, strings.TrimPrefix(o, "dataset:"))
	}
	slices.Sort(out)
	return out, nil
}

// ListObjectsCount runs ListObjects and returns how many objects came back
// (cut at the server's ListObjectsMaxResults, 1,000 by default).
func (f *OpenFGA) ListObjectsCount(ctx context.Context, user, perm string) (int, error) {
	r, err := f.srv.ListObjects(ctx, &openfgav1.ListObjectsRequest{StoreId: f.StoreID, AuthorizationModelId: f.ModelID,
		Type: "dataset", Relation: "can_" + perm, User: "user:" + user})
	return len(r.GetObjects()), err
}

func (f *OpenFGA) WhoCanAccess(ctx context.Context, dataset, perm string) ([]string, error) {
	r, err := f.srv.ListUsers(ctx, &openfgav1.ListUsersRequest{StoreId: f.StoreID, AuthorizationModelId: f.ModelID,
		Object: &openfgav1.Object{Type: "dataset", Id: dataset}, Relation: "can_" + perm,
		UserFilters: []*openfgav1.UserTypeFilter{{Type: "user"}}})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(r.GetUsers()))
	for _, u := range r.GetUsers() {
		out = append(out, u.GetObject().GetId())
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
