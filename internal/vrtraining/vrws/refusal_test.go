package vrws

import (
	"testing"

	gen "github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsconn/wsconntest"
)

// TestRefusedUpgradesHaveTheDocumentedBody: the panic before the upgrade is
// a missing hub.
func TestRefusedUpgradesHaveTheDocumentedBody(t *testing.T) {
	api := &API{opts: wsconn.Options{API: "vrtraining", Refuse: refuseUpgrade}}
	wsconntest.RequireUpgradeRefusals(t, api, refuseUpgrade, gen.UpgradeSchema)
}
