package avatarws

import (
	"net/http"
	"testing"

	gen "github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsconn/wsconntest"
)

// TestRefusedUpgradesHaveTheDocumentedBody: the panic before the upgrade is
// a missing service, reached with a token.
func TestRefusedUpgradesHaveTheDocumentedBody(t *testing.T) {
	api := &API{opts: wsconn.Options{API: "avatar", Refuse: refuseUpgrade}}
	withToken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer a.session.token")
		api.ServeHTTP(w, r)
	})
	wsconntest.RequireUpgradeRefusals(t, withToken, refuseUpgrade, gen.UpgradeSchema)
}
