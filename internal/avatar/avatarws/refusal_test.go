package avatarws

import (
	"net/http"
	"testing"

	gen "github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsconn/wsconntest"
)

func TestRefusedUpgradesHaveTheDocumentedBody(t *testing.T) {
	wsconntest.RequireRefusalBodies(t, refuseUpgrade, gen.UpgradeSchema,
		http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusInternalServerError)
}

// TestPanicBeforeTheUpgradeIsThisAPIs500: the upgrade handler's panic (here
// a missing service) is answered with this channel's documented 500 body.
func TestPanicBeforeTheUpgradeIsThisAPIs500(t *testing.T) {
	api := &API{opts: wsconn.Options{API: "avatar", Refuse: refuseUpgrade}}
	withToken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer a.session.token")
		api.ServeHTTP(w, r)
	})
	wsconntest.RequirePanicRefusal(t, withToken, gen.UpgradeSchema)
}
