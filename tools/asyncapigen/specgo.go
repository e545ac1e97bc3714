package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// renderSpecGo renders spec.gen.go: channel and message names, the message
// and channel tables (of the runtime's MessageInfo and ChannelInfo, declared
// once for every generated package), and accessors for the embedded JSON
// schemas.
func (p *plan) renderSpecGo(runtimeImport string) ([]byte, error) {
	w := newGoWriter()
	w.imports["embed"] = true
	w.imports["io/fs"] = true
	w.imports[runtimeImport] = true
	p.writeChannelConsts(w)
	p.writeMessageConsts(w)
	p.writeMessageTable(w)
	p.writeChannelTable(w)
	p.writeSchemaAccessors(w)
	return w.source(p.doc.SpecBase, p.pkg)
}

func (p *plan) writeChannelConsts(w *goWriter) {
	w.printf("// Channel paths.\nconst (\n")
	for _, ch := range p.doc.Channels {
		w.comment("\t", firstParagraph(ch.Description))
		w.printf("\t%s = %s\n", p.channelConst[ch], strconv.Quote(ch.Path))
	}
	w.printf(")\n\n")
}

func (p *plan) writeMessageConsts(w *goWriter) {
	w.printf("// Message names.\nconst (\n")
	for _, msg := range p.doc.Messages {
		w.comment("\t", msg.Summary)
		w.printf("\t%s = %s\n", p.msgConst[msg], strconv.Quote(msg.Name))
	}
	w.printf(")\n\n")
}

func (p *plan) writeMessageTable(w *goWriter) {
	w.printf("// Messages lists every message of every channel, sorted by channel, direction and name.\n")
	w.printf("var Messages = []wsclient.MessageInfo{\n")
	for _, row := range p.messageRows() {
		w.printf("\t{Name: %s, Title: %s, Summary: %s, Direction: %s, Channel: %s, PayloadType: %s%s%s%s},\n",
			p.msgConst[row.msg], strconv.Quote(row.msg.Title), strconv.Quote(row.msg.Summary),
			"wsclient.Direction"+goName(row.direction), p.channelConst[row.channel], strconv.Quote(p.types.payloadTypes[row.msg]),
			p.inboundLiteral(row), p.replyInfoLiteral(row), examplesLiteral(row.msg))
	}
	w.printf("}\n\n")
}

func (p *plan) writeChannelTable(w *goWriter) {
	w.printf("// Channels lists every channel, sorted by path.\nvar Channels = []wsclient.ChannelInfo{\n")
	for _, ch := range p.doc.Channels {
		w.printf("\t{\n\t\tPath: %s,\n\t\tReadLimit: %d,\n", p.channelConst[ch], ch.ReadLimit)
		if disc := p.discriminators[ch]; disc != nil {
			w.printf("\t\tDiscriminator: %s,\n", strconv.Quote(disc.Field))
		}
		codes := make([]intText, 0, len(ch.CloseCodes))
		for _, c := range ch.CloseCodes {
			codes = append(codes, intText{c.Code, c.Description})
		}
		w.printf("\t\tCloseCodes: %s,\n", goIntMap(codes))
		w.printf("\t\tCloseReasons: %s,\n", closeReasonsLiteral(ch.CloseCodes))
		ups := make([]intText, 0, len(ch.Upgrades))
		for _, u := range ch.Upgrades {
			ups = append(ups, intText{u.Status, u.Description})
		}
		w.printf("\t\tUpgradeResponses: %s,\n\t},\n", goIntMap(ups))
	}
	w.printf("}\n\n")
}

// examplesLiteral is the Examples field of a message's row: each example
// payload as JSON; nothing when the message has none.
func examplesLiteral(msg *message) string {
	var payloads []string
	for _, ex := range msg.Examples {
		payloads = append(payloads, strconv.Quote(ex.JSON))
	}
	if len(payloads) == 0 {
		return ""
	}
	return ", Examples: []string{" + strings.Join(payloads, ", ") + "}"
}

// inboundLiteral is a constructor of the message's payload type, and for
// a client message what the server needs to read it: its discriminator
// value.
func (p *plan) inboundLiteral(row messageRow) string {
	newPayload := fmt.Sprintf(", NewPayload: func() any { return new(%s) }", p.types.payloadTypes[row.msg])
	disc := p.discriminators[row.channel]
	if row.direction != directionClient || disc == nil {
		return newPayload
	}
	return fmt.Sprintf(", Discriminator: %s", strconv.Quote(disc.Values[row.msg])) + newPayload
}

// replyInfoLiteral is the Reply field of a client message's row, or nothing.
func (p *plan) replyInfoLiteral(row messageRow) string {
	r := row.msg.Reply
	if row.direction != directionClient || r == nil {
		return ""
	}
	var echoes []string
	for _, e := range r.Echoes {
		echoes = append(echoes, fmt.Sprintf("{Reply: %q, Request: %q}", e.Reply, e.Request))
	}
	return fmt.Sprintf(", Reply: &wsclient.Reply{Messages: %s, Errors: %s, Echoes: []wsclient.Echo{%s}}",
		p.msgConstList(r.Messages), p.msgConstList(r.Errors), strings.Join(echoes, ", "))
}

// closeReasonsLiteral maps each close code with documented reasons to them.
func closeReasonsLiteral(codes []closeCode) string {
	var b strings.Builder
	b.WriteString("map[int][]string{")
	n := 0
	for _, c := range codes {
		if c.Reasons == nil {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		quoted := make([]string, len(c.Reasons))
		for i, r := range c.Reasons {
			quoted[i] = strconv.Quote(r)
		}
		fmt.Fprintf(&b, "%d: {%s}", c.Code, strings.Join(quoted, ", "))
	}
	b.WriteString("}")
	return b.String()
}

type intText struct {
	key  int
	text string
}

func goIntMap(entries []intText) string {
	if len(entries) == 0 {
		return "map[int]string{}"
	}
	var b strings.Builder
	b.WriteString("map[int]string{\n")
	for _, e := range entries {
		b.WriteString("\t\t\t" + strconv.Itoa(e.key) + ": " + strconv.Quote(e.text) + ",\n")
	}
	b.WriteString("\t\t}")
	return b.String()
}

func (p *plan) writeSchemaAccessors(w *goWriter) {
	w.printf("//go:embed schemas/*.json\nvar schemaFS embed.FS\n\n")
	w.printf("var messageSchemaFiles = map[string]string{\n")
	for _, msg := range p.doc.Messages {
		w.printf("\t%s: %s,\n", p.msgConst[msg], strconv.Quote(p.schemas.messageFile[msg.Name]))
	}
	w.printf("}\n\nvar upgradeSchemaFiles = map[int]string{\n")
	for _, status := range p.schemas.upgradeOrder {
		w.printf("\t%d: %s,\n", status, strconv.Quote(p.schemas.upgradeFile[status]))
	}
	w.printf("}\n\n%s", schemaAccessorFuncs)
}

const schemaAccessorFuncs = `// MessageSchema returns the JSON Schema (draft 2020-12, self-contained) of the
// payload of the named message; a fresh copy on every call.
func MessageSchema(name string) ([]byte, bool) {
	return readSchema(messageSchemaFiles[name])
}

// UpgradeSchema returns the JSON Schema of the body of the HTTP reply with the
// given status that a channel sends instead of upgrading (x-upgrade-responses).
func UpgradeSchema(status int) ([]byte, bool) {
	return readSchema(upgradeSchemaFiles[status])
}

func readSchema(path string) ([]byte, bool) {
	if path == "" {
		return nil, false
	}
	data, err := fs.ReadFile(schemaFS, path)
	return data, err == nil
}
`

type messageRow struct {
	channel   *channel
	direction string
	msg       *message
}

// messageRows lists (channel, direction, message) sorted by channel path,
// direction and message name.
func (p *plan) messageRows() []messageRow {
	var rows []messageRow
	for _, ch := range p.doc.Channels {
		for _, op := range ch.Operations {
			for _, msg := range sortedMessages(op.Messages) {
				rows = append(rows, messageRow{channel: ch, direction: op.Direction, msg: msg})
			}
		}
	}
	return rows
}

func sortedMessages(msgs []*message) []*message {
	out := slices.Clone(msgs)
	slices.SortFunc(out, func(a, b *message) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// firstParagraph returns text up to its first blank line, for short comments.
func firstParagraph(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.Index(text, "\n\n"); i >= 0 {
		return text[:i]
	}
	return text
}
