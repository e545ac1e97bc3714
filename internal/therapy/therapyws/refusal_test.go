package therapyws

import (
	"net/http"
	"testing"

	gen "github.com/sessionhub/server/gen/therapyevents"
	"github.com/sessionhub/server/internal/platform/wsconn/wsconntest"
)

func TestRefusedUpgradesHaveTheDocumentedBody(t *testing.T) {
	wsconntest.RequireRefusalBodies(t, refuseUpgrade, gen.UpgradeSchema,
		http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusInternalServerError)
}
