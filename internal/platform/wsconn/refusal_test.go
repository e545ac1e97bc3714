package wsconn

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestJSONRefusalWritesTheCodeOfTheStatus: a status in the table gets its
// code, any other the fallback, each with the refusal's own status.
func TestJSONRefusalWritesTheCodeOfTheStatus(t *testing.T) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	refuse := JSONRefusal(map[int]string{http.StatusTooManyRequests: "TOO_MANY"}, "INTERNAL",
		func(code, message string) any { return body{Code: code, Message: message} })
	cases := []struct {
		status int
		want   string
	}{
		{http.StatusTooManyRequests, `{"code":"TOO_MANY","message":"go away"}`},
		{http.StatusInternalServerError, `{"code":"INTERNAL","message":"go away"}`},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		refuse(w, Refusal{Status: tc.status, Message: "go away"})
		if w.Code != tc.status || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != tc.want {
			t.Errorf("refusal %d: got %d %q %s, want %d application/json %s",
				tc.status, w.Code, w.Header().Get("Content-Type"), w.Body, tc.status, tc.want)
		}
	}
}
