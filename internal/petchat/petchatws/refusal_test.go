package petchatws

import (
	"net/http"
	"testing"

	gen "github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsconn/wsconntest"
)

// TestRefusedUpgradesHaveTheDocumentedBody: 401 is this API's own refusal;
// the panic before the upgrade is a missing hub.
func TestRefusedUpgradesHaveTheDocumentedBody(t *testing.T) {
	api := &API{tokens: auth.NewSigner([]byte("unit-test-secret-0123456789abcdef"), ""), opts: wsconn.Options{API: "petchat", Refuse: refuseUpgrade}}
	wsconntest.RequireUpgradeRefusals(t, api, refuseUpgrade, gen.UpgradeSchema, http.StatusUnauthorized)
}
