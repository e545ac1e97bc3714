package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var tsIdentifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// renderTypeScript renders the TypeScript module: constants for channel paths
// and message names, a type per named type, and a union of payload types per
// channel and direction.
func (p *plan) renderTypeScript() []byte {
	var b bytes.Buffer
	b.WriteString(generatedHeader("//", p.doc.SpecBase, ""))
	fmt.Fprintf(&b, "// %s %s\n\n// Channel paths.\n", p.doc.Title, p.doc.Version)
	for _, ch := range p.doc.Channels {
		fmt.Fprintf(&b, "export const %s = %s;\n", p.channelConst[ch], strconv.Quote(ch.Path))
	}
	b.WriteString("\n// Message names.\n")
	for _, msg := range p.doc.Messages {
		fmt.Fprintf(&b, "export const %s = %s;\n", p.msgConst[msg], strconv.Quote(msg.Name))
	}
	for _, nt := range p.types.Types {
		b.WriteString("\n")
		writeTSType(&b, nt)
	}
	for _, ch := range p.doc.Channels {
		for _, op := range ch.Operations {
			fmt.Fprintf(&b, "\n/** Payloads the %s sends on %s. */\n", op.Direction, ch.Path)
			fmt.Fprintf(&b, "export type %s = %s;\n", p.unionName[op], p.payloadUnion(op))
		}
	}
	return b.Bytes()
}

func (p *plan) payloadUnion(op *operation) string {
	seen := map[string]bool{}
	var members []string
	for _, msg := range sortedMessages(op.Messages) {
		name := p.types.payloadTypes[msg]
		if !seen[name] {
			seen[name] = true
			members = append(members, name)
		}
	}
	if len(members) == 0 {
		return "never"
	}
	return strings.Join(members, " | ")
}

func writeTSType(b *bytes.Buffer, nt *namedType) {
	writeTSDoc(b, "", nt.Doc)
	switch nt.Kind {
	case kindStruct:
		fmt.Fprintf(b, "export interface %s {\n", nt.Name)
		for _, f := range nt.Fields {
			writeTSDoc(b, "  ", f.Doc)
			optional := ""
			if !f.Required {
				optional = "?"
			}
			fmt.Fprintf(b, "  %s%s: %s;\n", tsPropertyName(f.JSONName), optional, tsExpr(f.Type))
		}
		if nt.Open {
			b.WriteString("  [key: string]: unknown;\n")
		}
		b.WriteString("}\n")
	case kindEnum:
		values := make([]string, len(nt.Values))
		for i, v := range nt.Values {
			values[i] = strconv.Quote(v.Value)
		}
		fmt.Fprintf(b, "export type %s = %s;\n", nt.Name, strings.Join(values, " | "))
	case kindAlias:
		fmt.Fprintf(b, "export type %s = %s;\n", nt.Name, tsExpr(nt.Target))
	}
}

// tsExpr renders a type reference; nullable adds `| null`.
func tsExpr(r typeRef) string {
	expr := tsBaseExpr(r)
	if r.Nullable && expr != "unknown" {
		return expr + " | null"
	}
	return expr
}

func tsBaseExpr(r typeRef) string {
	if len(r.Literals) > 0 {
		return tsLiterals(r.Literals)
	}
	switch r.Kind {
	case refNamed:
		return r.Name
	case refString, refTime:
		return "string"
	case refInt, refNumber:
		return "number"
	case refBool:
		return "boolean"
	case refSlice:
		elem := tsExpr(*r.Elem)
		if strings.ContainsAny(elem, " |") {
			elem = "(" + elem + ")"
		}
		return elem + "[]"
	case refMap:
		return "{ [key: string]: " + tsExpr(*r.Elem) + " }"
	}
	return "unknown"
}

func tsLiterals(values []any) string {
	parts := make([]string, 0, len(values))
	for _, v := range values {
		encoded, err := json.Marshal(v)
		if err != nil || !isScalar(v) && v != nil {
			return "unknown"
		}
		parts = append(parts, string(encoded))
	}
	return strings.Join(parts, " | ")
}

func tsPropertyName(name string) string {
	if tsIdentifier.MatchString(name) {
		return name
	}
	return strconv.Quote(name)
}

func writeTSDoc(b *bytes.Buffer, indent, text string) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "*/", "*\\/"))
	if text == "" {
		return
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	if len(lines) == 1 {
		fmt.Fprintf(b, "%s/** %s */\n", indent, lines[0])
		return
	}
	fmt.Fprintf(b, "%s/**\n", indent)
	for _, line := range lines {
		fmt.Fprintf(b, "%s%s\n", indent, strings.TrimRight(" * "+line, " "))
	}
	fmt.Fprintf(b, "%s */\n", indent)
}
