package idcursor

import "testing"

func TestCursorsNameOneIDInOneSpelling(t *testing.T) {
	const id = "0f8fad5b-d9cb-469f-a165-70867728950e"
	if got, ok := Decode(Encode(id)); !ok || got != id {
		t.Fatalf("Decode(Encode(%s)) = %q, %v", id, got, ok)
	}
	for name, cursor := range map[string]string{
		"not base64":         "%%%",
		"not a UUID":         Encode("page-2"),
		"a UUID in capitals": Encode("0F8FAD5B-D9CB-469F-A165-70867728950E"),
		"a UUID in braces":   Encode("{" + id + "}"),
		"an empty cursor":    "",
	} {
		if got, ok := Decode(cursor); ok {
			t.Errorf("%s: Decode(%q) = %q, want refused", name, cursor, got)
		}
	}
}
