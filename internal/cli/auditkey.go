package cli

import "github.com/gatehouse/gatehouse/internal/server"

// auditOptions are the audit flags of serve and init.
type auditOptions struct {
	key          string   // --audit-key
	checkpoints  string   // --audit-checkpoints
	acceptBroken []string // --audit-accept-broken ORG:SEQ
}

const (
	keySuffix         = server.KeySuffix
	checkpointsSuffix = server.CheckpointsSuffix
)

func auditKeyUsage(what string) string {
	return "audit key file " + what + " (default: the database file's path + " + keySuffix +
		", made on first start; required with PostgreSQL, the same file for every replica)"
}
