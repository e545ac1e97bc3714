package vrws

import (
	"net/http"
	"testing"

	gen "github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsconn/wsconntest"
)

func TestRefusedUpgradesHaveTheDocumentedBody(t *testing.T) {
	wsconntest.RequireRefusalBodies(t, refuseUpgrade, gen.UpgradeSchema,
		http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusInternalServerError)
}

// TestPanicBeforeTheUpgradeIsThisAPIs500: the upgrade handler's panic (here
// a missing hub) is answered with this channel's documented 500 body.
func TestPanicBeforeTheUpgradeIsThisAPIs500(t *testing.T) {
	api := &API{opts: wsconn.Options{API: "vrtraining", Refuse: refuseUpgrade}}
	wsconntest.RequirePanicRefusal(t, api, gen.UpgradeSchema)
}
