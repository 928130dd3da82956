package store

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// SSOReader reads an organization's OIDC sign-in configuration.
type SSOReader interface {
	// GetSSO returns the org's configuration, or ErrNotFound.
	GetSSO(org string) (domain.SSOConfig, error)
	// SSOOrgOfDomain returns the org whose SSO claims an email domain, or
	// ErrNotFound.
	SSOOrgOfDomain(domain string) (string, error)
}

// SSOWriter writes SSO configurations and the sign-ins in progress.
type SSOWriter interface {
	// PutSSO creates or replaces the org's configuration and its domains
	// (ErrNotFound without the org, ErrConflict for a domain another org
	// claims).
	PutSSO(c domain.SSOConfig) error
	// DeleteSSO removes it, ErrNotFound if there was none.
	DeleteSSO(org string) error
	// PutSSOFlow records a sign-in in progress.
	PutSSOFlow(f domain.SSOFlow) error
	// TakeSSOFlow returns the flow of a state hash and deletes it, so a
	// state works once; ErrNotFound if unknown, used or ended at now
	// (flows that ended are dropped on the way).
	TakeSSOFlow(stateHash []byte, now time.Time) (domain.SSOFlow, error)
}
