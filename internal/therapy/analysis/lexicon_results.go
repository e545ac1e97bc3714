package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// sentenceTopics adds the topic keywords of s: each topic counts at most its
// strongest keyword plus a quarter for each further one, capped at 2 per sentence.
func (r *run) sentenceTopics(s *sentence) {
	toks := s.tokens
	var touched [16]int
	hits := touched[:0]
	for i := 0; i < len(toks); i++ {
		cands := r.lx.topics[toks[i].norm]
		if len(cands) == 0 {
			continue
		}
		p, n := longestMatch(cands, toks, i)
		if n == 0 {
			continue
		}
		if r.sentenceTopic[p.table] == 0 {
			hits = append(hits, p.table)
			if r.topics[p.table].sentences == 0 && r.topics[p.table].amount == 0 {
				r.topics[p.table].first = toks[i].word
			}
			r.sentenceTopic[p.table] = p.weight
		} else {
			r.sentenceTopic[p.table] = math.Max(r.sentenceTopic[p.table], p.weight) + 0.25*p.weight
		}
		i += n - 1
	}
	for _, t := range hits {
		w := math.Min(r.sentenceTopic[t], 2)
		a := &r.topics[t]
		a.amount += w
		a.sentences++
		if w > a.best {
			a.best, a.evidence = w, r.evidence(s)
		}
		r.sentenceTopic[t] = 0
	}
}

// topicConfidence grows with the amount of evidence (weighted keyword
// mentions) and with its spread over sentences: one passing mention is not
// a topic; two solid mentions in different sentences are (≈0.44); four or
// more make it near certain.
func topicConfidence(amount float64, sentences int) float64 {
	spread := 0.55 + 0.45*math.Min(1, float64(sentences-1)/3)
	return clamp01((1 - math.Exp(-amount/2)) * spread)
}

// flushTopics sends the topics with enough evidence, in order of first mention.
func (r *run) flushTopics() error {
	var order []int
	for i, a := range r.topics {
		if a.sentences > 0 && topicConfidence(a.amount, a.sentences) >= minTopicConfidence {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return r.topics[order[a]].first < r.topics[order[b]].first })
	for _, i := range order {
		a := r.topics[i]
		t := Topic{Name: topicTable[i].Name, Category: topicTable[i].Category, Confidence: topicConfidence(a.amount, a.sentences),
			Offset: OffsetOfWord(a.first), Evidence: a.evidence}
		if err := r.sink.Topic(t); err != nil {
			return fmt.Errorf("analysis: sink: %w", err)
		}
	}
	return nil
}

// insightMatch is one rule match in a sentence.
type insightMatch struct {
	rule       *compiledRule
	start, end int // token span of the match
}

// sentenceInsights applies the insight rules to s. Per kind it keeps the
// strongest of overlapping matches, so "I will do X, and I'm going to do Y"
// gives two action items; each one's content runs to the next one.
func (r *run) sentenceInsights(s *sentence) error {
	toks := s.tokens
	var kept [4][]insightMatch
	for i := range toks {
		for _, rule := range r.lx.rules[toks[i].norm] {
			if !rule.appliesTo(s, i) {
				continue
			}
			end := matchPattern(rule.elems, toks, i)
			if end < 0 || (end < len(toks) && contains(rule.NotNext, toks[end].norm)) {
				continue
			}
			if negatedBefore(r.doc.text, toks, i) {
				continue
			}
			k := insightKind(rule.Type)
			m := insightMatch{rule: rule, start: i, end: end}
			if n := len(kept[k]); n > 0 && (i < kept[k][n-1].end || !clauseStart(r.doc.text, toks, i)) {
				if rule.Confidence > kept[k][n-1].rule.Confidence {
					kept[k][n-1] = m
				}
				continue
			}
			kept[k] = append(kept[k], m)
		}
	}
	for _, matches := range kept {
		for j, m := range matches {
			end := s.end
			if j+1 < len(matches) {
				end = toks[matches[j+1].start].start
			}
			if err := r.sendInsight(s, m, r.doc.text[toks[m.start].start:end]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *run) sendInsight(s *sentence, m insightMatch, clause string) error {
	content := insightContent(clause)
	key := string(m.rule.Type) + "\x00" + strings.ToLower(content)
	if r.seen[key] {
		return nil
	}
	r.seen[key] = true
	in := Insight{Content: content, Type: m.rule.Type, Confidence: m.rule.Confidence,
		Offset: OffsetOfWord(s.tokens[m.start].word), Evidence: r.evidence(s)}
	if err := r.sink.Insight(in); err != nil {
		return fmt.Errorf("analysis: sink: %w", err)
	}
	return nil
}

// negatedBefore reports whether a negator within two tokens before i, in
// the same clause, voids a match ("I don't think I will …").
func negatedBefore(text string, toks []token, i int) bool {
	for k := i - 1; k >= 0 && k >= i-2; k-- {
		if negators[toks[k].norm] {
			return true
		}
		if strings.ContainsAny(text[toks[k].end:toks[k+1].start], ",;:") {
			return false
		}
	}
	return false
}

// clauseStart reports whether toks[i] begins a new clause: after a comma,
// semicolon or dash, or after a conjunction.
func clauseStart(text string, toks []token, i int) bool {
	if i == 0 {
		return true
	}
	if clauseWords[toks[i-1].norm] {
		return true
	}
	return strings.ContainsAny(text[toks[i-1].end:toks[i].start], ",;:-")
}

// leadIn words may precede an imperative that must start its sentence
// ("And this week, try to …").
var leadIn = set("and", "so", "also", "this", "week", "then", "now", "over", "the", "next", "few", "days", "for", "homework",
	"okay", "ok", "well", "maybe", "until", "before", "our", "session", "tonight", "tomorrow", "each", "every", "day", "morning", "evening")

func (rule *compiledRule) appliesTo(s *sentence, i int) bool {
	if s.question && !rule.Question {
		return false
	}
	if rule.AtStart {
		for k := 0; k < i; k++ {
			if !leadIn[s.tokens[k].norm] {
				return false
			}
		}
	}
	switch rule.Who {
	case byClient:
		return s.speaker != speakerTherapist
	case byTherapist:
		return s.speaker != speakerClient
	}
	return true
}

func insightKind(t InsightType) int {
	switch t {
	case InsightBelief:
		return 1
	case InsightChallenge:
		return 2
	case InsightActionItem:
		return 3
	}
	return 0
}

func contains(list []string, w string) bool {
	for _, l := range list {
		if l == w {
			return true
		}
	}
	return false
}

// insightContent turns the matched clause into a statement: trimmed,
// capitalised, at most maxContentBytes long.
func insightContent(clause string) string {
	c := strings.TrimSpace(clause)
	for trimmed := true; trimmed; {
		trimmed = false
		for _, tail := range []string{",", " and", " but", " so", ";", " -"} {
			if rest, ok := strings.CutSuffix(c, tail); ok {
				c, trimmed = strings.TrimSpace(rest), true
			}
		}
	}
	if len(c) > maxContentBytes {
		cut := maxContentBytes
		for cut > 0 && c[cut]&0xC0 == 0x80 {
			cut--
		}
		c = strings.TrimSpace(c[:cut]) + "…"
	}
	return capitalise(c)
}
