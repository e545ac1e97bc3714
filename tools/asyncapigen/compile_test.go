package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedGoCompilesAndRoundTripsExamples puts the generated fixture
// package into a scratch module, vets it, then decodes every example into its
// payload type (unknown fields rejected), re-encodes it, and validates the
// result against the message schema: the Go types hold everything the
// examples carry and write frames the schemas accept.
func TestGeneratedGoCompilesAndRoundTripsExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	p := loadPlan(t, fixtureSpec)
	module := writeScratchModule(t, p)
	runGo(t, goBin, module, nil, "vet", "./...")

	var input []map[string]any
	var owners []*message
	for _, msg := range p.doc.Messages {
		for _, ex := range msg.Examples {
			input = append(input, map[string]any{"message": msg.Name, "payload": ex.Payload})
			owners = append(owners, msg)
		}
	}
	stdin, _ := json.Marshal(input)
	stdout := runGo(t, goBin, module, stdin, "run", "./roundtrip")
	var reencoded []json.RawMessage
	if err := json.Unmarshal(stdout, &reencoded); err != nil || len(reencoded) != len(owners) {
		t.Fatalf("roundtrip output: %v (%d of %d frames)\n%s", err, len(reencoded), len(owners), stdout)
	}
	for i, frame := range reencoded {
		msg := owners[i]
		sch, err := compileSchema(p.schemas.files[p.schemas.messageFile[msg.Name]], "mem:///"+msg.Name+".json")
		if err != nil {
			t.Fatal(err)
		}
		instance, err := toInstance(json.RawMessage(frame))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(instance); err != nil {
			t.Errorf("message %s: re-encoded example %s is invalid: %s", msg.Name, frame, oneLine(err))
		}
	}
}

func writeScratchModule(t *testing.T, p *plan) string {
	t.Helper()
	module := t.TempDir()
	files, err := p.goPackageFiles("gentest/wsclient")
	if err != nil {
		t.Fatal(err)
	}
	files["../go.mod"], files["../go.sum"] = scratchModFiles(t)
	files["../wsclient/wsclient.gen.go"] = goRuntimeFile()
	files["../roundtrip/main.go"] = roundtripProgram(p)
	for rel, data := range files {
		if err := writeFileIfChanged(filepath.Join(module, "fixture", rel), data); err != nil {
			t.Fatal(err)
		}
	}
	return module
}

// scratchModFiles are the scratch module's go.mod and go.sum: the clients
// need gorilla/websocket, at the version (and checksums) of this module.
func scratchModFiles(t *testing.T) (gomod, gosum []byte) {
	t.Helper()
	const dep = "github.com/gorilla/websocket"
	sum, err := os.ReadFile("../../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	var version string
	var lines []string
	for _, line := range strings.Split(string(sum), "\n") {
		if fields := strings.Fields(line); len(fields) == 3 && fields[0] == dep {
			lines = append(lines, line)
			version = strings.TrimSuffix(fields[1], "/go.mod")
		}
	}
	if version == "" {
		t.Fatalf("go.sum has no %s", dep)
	}
	return []byte("module gentest\n\ngo 1.26\n\nrequire " + dep + " " + version + "\n"),
		[]byte(strings.Join(lines, "\n") + "\n")
}

// roundtripProgram reads [{message, payload}] on stdin and writes the
// payloads re-encoded through their generated Go types.
func roundtripProgram(p *plan) []byte {
	var cases strings.Builder
	for _, msg := range p.doc.Messages {
		fmt.Fprintf(&cases, "\tcase %q:\n\t\treturn new(fixture.%s)\n", msg.Name, p.types.payloadTypes[msg])
	}
	return []byte(`package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"gentest/fixture"
)

func newPayload(message string) any {
	switch message {
` + cases.String() + `	}
	panic("unknown message " + message)
}

func main() {
	var frames []struct {
		Message string          ` + "`json:\"message\"`" + `
		Payload json.RawMessage ` + "`json:\"payload\"`" + `
	}
	if err := json.NewDecoder(os.Stdin).Decode(&frames); err != nil {
		panic(err)
	}
	out := []json.RawMessage{}
	for _, f := range frames {
		v := newPayload(f.Message)
		dec := json.NewDecoder(bytes.NewReader(f.Payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			fmt.Fprintf(os.Stderr, "decode %s example %s: %v\n", f.Message, f.Payload, err)
			os.Exit(1)
		}
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		out = append(out, data)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
`)
}

func runGo(t *testing.T, goBin, dir string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local")
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// TestGeneratedClientAgainstAServer runs the fixture's /ws/items client in the
// scratch module against a WebSocket server that sends every server example
// of the channel, answers create_item, then closes with 4008: the client must
// take each frame for its own message, hand the request its reply, and end
// with the documented close code.
func TestGeneratedClientAgainstAServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	p := loadPlan(t, fixtureSpec)
	module := writeScratchModule(t, p)
	var input struct {
		Frames []json.RawMessage `json:"frames"`
		Reply  json.RawMessage   `json:"reply"`
	}
	var want []string
	for _, ch := range p.doc.Channels {
		if ch.Path != "/ws/items" {
			continue
		}
		for _, op := range ch.Operations {
			if op.Direction != directionServer {
				continue
			}
			for _, msg := range sortedMessages(op.Messages) {
				for _, ex := range msg.Examples {
					frame, _ := json.Marshal(ex.Payload)
					input.Frames = append(input.Frames, frame)
					want = append(want, "*fixture."+p.types.payloadTypes[msg])
					if msg.Name == "item_created" {
						input.Reply = frame
					}
				}
			}
		}
	}
	stdin, _ := json.Marshal(input)
	if err := os.MkdirAll(filepath.Join(module, "clientrun"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(module, "clientrun", "main.go"), []byte(clientRunProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(runGo(t, goBin, module, stdin, "run", "./clientrun"))), "\n")
	want = append(want, "reply *fixture.ItemCreatedReply", "closed 4008 documented=true")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the client saw\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

const clientRunProgram = `package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/gorilla/websocket"

	"gentest/fixture"
)

func main() {
	var input struct {
		Frames []json.RawMessage
		Reply  json.RawMessage
	}
	if err := json.NewDecoder(os.Stdin).Decode(&input); err != nil {
		panic(err)
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("API_KEY") != "k" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, f := range input.Frames {
			_ = conn.WriteMessage(websocket.TextMessage, f)
		}
		if _, _, err := conn.ReadMessage(); err != nil { // the create_item request
			return
		}
		_ = conn.WriteMessage(websocket.TextMessage, input.Reply)
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4008, "slow"))
		_, _, _ = conn.ReadMessage()
	}))
	defer server.Close()
	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(server.URL, "http")
	c, err := fixture.DialWsItems(ctx, url, fixture.WsItemsDialOptions{APIKey: "k"})
	if err != nil {
		panic(err)
	}
	for range input.Frames {
		msg, err := c.Receive(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%T\n", msg)
	}
	reply, err := c.CreateItem(ctx, fixture.CreateItemCommand{Data: fixture.CreateItemCommandData{Name: "Lamp"}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("reply %T\n", reply)
	_, err = c.Receive(ctx)
	var closed *fixture.CloseError
	if !errors.As(err, &closed) {
		panic(err)
	}
	fmt.Printf("closed %d documented=%v\n", closed.Code, closed.Documented())
}
`
