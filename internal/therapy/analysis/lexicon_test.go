package analysis_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/therapy/analysis"
)

func emotionNamed(rec *recorder, name string) (analysis.Emotion, bool) {
	for _, e := range rec.emotions {
		if e.Name == name {
			return e, true
		}
	}
	return analysis.Emotion{}, false
}

func TestNegation(t *testing.T) {
	cases := []struct {
		text, present, absent string
	}{
		{"Client: I'm not happy at all.", "sadness", "joy"},
		{"Client: I never felt safe in that house.", "anxiety", "calm"},
		{"Client: I dont feel happy anymore", "sadness", "joy"},
		{"Client: I'm not angry with her.", "", "anger"},
		{"Client: I can't stop crying.", "sadness", ""},
		{"Client: I don't think I'll ever feel calm again.", "anxiety", "calm"},
		{"Client: I can't remember the last time I was excited about anything.", "", "joy"},
		{"Client: I should be grateful, I know.", "", "gratitude"},
		{"Client: I am happy with how it went.", "joy", "sadness"},
	}
	for _, tc := range cases {
		rec := analyse(t, tc.text)
		if _, ok := emotionNamed(rec, tc.present); tc.present != "" && !ok {
			t.Errorf("%q: expected %s, found:\n%s", tc.text, tc.present, rec.summary())
		}
		if _, ok := emotionNamed(rec, tc.absent); tc.absent != "" && ok {
			t.Errorf("%q: expected no %s, found:\n%s", tc.text, tc.absent, rec.summary())
		}
	}
}

func TestIntensityModifiers(t *testing.T) {
	intensity := func(text string) float64 {
		t.Helper()
		e, ok := emotionNamed(analyse(t, text), "anxiety")
		if !ok {
			t.Fatalf("%q: expected anxiety", text)
		}
		return e.Intensity
	}
	plain, very, bit := intensity("Client: I feel anxious."), intensity("Client: I feel very anxious."), intensity("Client: I feel a bit anxious.")
	if !(bit < plain && plain < very) {
		t.Errorf("expected a bit (%.2f) < plain (%.2f) < very (%.2f)", bit, plain, very)
	}
	own, other := intensity("Client: I am anxious."), intensity("Client: She is anxious.")
	if other >= own {
		t.Errorf("expected someone else's anxiety (%.2f) weaker than the client's own (%.2f)", other, own)
	}
	reflection := intensity("Therapist: You seem anxious.")
	if q, ok := emotionNamed(analyse(t, "Therapist: Do you feel anxious?"), "anxiety"); ok && q.Intensity >= reflection {
		t.Errorf("expected a therapist's question (%.2f) weaker than a reflection (%.2f), or dropped", q.Intensity, reflection)
	}
	once := intensity("Client: I'm anxious.")
	thrice := intensity("Client: I'm anxious. I'm anxious all day. I'm anxious at night.")
	if thrice <= once {
		t.Errorf("expected repetition to raise intensity: once %.2f, three times %.2f", once, thrice)
	}
}

// TestBoundsAndOrder checks every transcript: values within 0..1, offsets
// non-decreasing per kind, progress non-decreasing, at most 5% apart, ending at 1.
func TestBoundsAndOrder(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.txt")
	for _, path := range append(paths, "") {
		name := filepath.Base(path)
		text := longTranscript(t, 3000)
		if path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		} else {
			name = "long"
		}
		rec := analyse(t, text)
		for i, e := range rec.emotions {
			if e.Intensity < 0 || e.Intensity > 1 || e.Evidence == "" || e.Category == "" {
				t.Errorf("%s: emotion %+v: expected intensity in 0..1, evidence and category", name, e)
			}
			if i > 0 && e.Offset < rec.emotions[i-1].Offset {
				t.Errorf("%s: emotion offsets decrease: %v after %v", name, e.Offset, rec.emotions[i-1].Offset)
			}
		}
		for i, tp := range rec.topics {
			if tp.Confidence < 0 || tp.Confidence > 1 || tp.Evidence == "" {
				t.Errorf("%s: topic %+v: expected confidence in 0..1 and evidence", name, tp)
			}
			if i > 0 && tp.Offset < rec.topics[i-1].Offset {
				t.Errorf("%s: topic offsets decrease", name)
			}
		}
		for i, in := range rec.insights {
			if in.Confidence < 0 || in.Confidence > 1 || in.Content == "" || in.Evidence == "" {
				t.Errorf("%s: insight %+v: expected confidence in 0..1, content and evidence", name, in)
			}
			if i > 0 && in.Offset < rec.insights[i-1].Offset {
				t.Errorf("%s: insight offsets decrease: %v after %v", name, in.Offset, rec.insights[i-1].Offset)
			}
		}
		// Progress is reported per sentence, so in a short transcript a
		// single sentence may be more than 5% of the text.
		maxStep := 1.0
		if name == "long" {
			maxStep = 0.06
		}
		last := 0.0
		for _, p := range rec.progress {
			if p < last || p > 1 || p-last > maxStep {
				t.Errorf("%s: progress %v: expected non-decreasing steps of about 5%% at most", name, rec.progress)
				break
			}
			last = p
		}
		if last != 1 || rec.order[len(rec.order)-1] != "progress" {
			t.Errorf("%s: expected the last report to be Progress(1), got %v", name, rec.progress)
		}
	}
}

func TestOffsetsFollowWordIndex(t *testing.T) {
	text := "Client: " + strings.Repeat("word ", 150) + "I feel anxious."
	e, ok := emotionNamed(analyse(t, text), "anxiety")
	// The label is not spoken; "anxious" is word 152 (0-based: 150 fillers,
	// then I, feel, anxious), so its offset is 152 × 400 ms.
	if !ok || e.Offset != analysis.OffsetOfWord(152) {
		t.Errorf("expected anxiety at %v (word 152 at 150 wpm), got %+v", analysis.OffsetOfWord(152), e)
	}
	if analysis.OffsetOfWord(150).Minutes() != 1 {
		t.Errorf("expected 150 words to be one minute, got %v", analysis.OffsetOfWord(150))
	}
}

func TestSpeakerLabelsAndRunOnText(t *testing.T) {
	// The therapist's homework is an action item; the same words from the client are not.
	rec := analyse(t, "Therapist: Try to write down three good things each night.\nClient: Try to be nice, my mum always said.")
	var actions []string
	for _, in := range rec.insights {
		if in.Type == analysis.InsightActionItem {
			actions = append(actions, in.Content)
		}
	}
	if len(actions) != 1 || !strings.Contains(actions[0], "write down three good things") {
		t.Errorf("expected one action item, the therapist's homework; got %q", actions)
	}
	// Labels inside a line start a turn too.
	rec = analyse(t, "Client: I'm fine. Therapist: Try to keep a sleep diary this week. Client: Okay.")
	if len(rec.insights) != 1 || rec.insights[0].Type != analysis.InsightActionItem {
		t.Errorf("expected the inline therapist turn to give one action item, got:\n%s", rec.summary())
	}
	// A long unpunctuated monologue is cut into readable pieces.
	run := strings.Repeat("i went to work and my boss was there and i felt anxious so i left early ", 10)
	rec = analyse(t, run)
	for _, e := range rec.emotions {
		if n := len(strings.Fields(e.Evidence)); n > 45 {
			t.Errorf("expected run-on text split into pieces of at most ~40 words, evidence has %d", n)
		}
	}
}

func TestEmptyTextCancellationAndSinkErrors(t *testing.T) {
	lex := analysis.NewLexicon()
	if err := lex.Analyze(context.Background(), " \n\t ", &recorder{}); !errors.Is(err, analysis.ErrEmptyText) {
		t.Errorf("expected ErrEmptyText, got %v", err)
	}
	text := longTranscript(t, 5000)

	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{cancel: cancel}
	if err := lex.Analyze(ctx, text, rec); !errors.Is(err, context.Canceled) {
		t.Errorf("expected context.Canceled after cancelling at the first progress report, got %v", err)
	}
	if len(rec.progress) != 1 {
		t.Errorf("expected the analysis to stop right after the cancel, got progress %v", rec.progress)
	}

	for _, kind := range []string{"emotion", "topic", "insight", "progress"} {
		rec := &recorder{failOn: kind}
		err := lex.Analyze(context.Background(), text, rec)
		if !errors.Is(err, errSink) {
			t.Errorf("sink failing on %s: expected its error back, got %v", kind, err)
			continue
		}
		if rec.order[len(rec.order)-1] != kind || strings.Count(strings.Join(rec.order, " "), kind) != 1 {
			t.Errorf("sink failing on %s: expected nothing after the failing call, got %v", kind, rec.order)
		}
	}
}

func TestLexiconSize(t *testing.T) {
	s := analysis.Size()
	t.Logf("lexicon: %+v", s)
	if s.Emotions < 15 || s.EmotionWords < 200 || s.Topics < 12 || s.TopicKeywords < 250 || s.InsightRules < 50 {
		t.Errorf("lexicon smaller than designed: %+v", s)
	}
}

// longTranscript concatenates the testdata transcripts until it has at least words words.
func longTranscript(t testing.TB, words int) string {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts in testdata: %v", err)
	}
	var b strings.Builder
	for n := 0; n < words; {
		for _, p := range paths {
			text, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(text)
			b.WriteString("\n\n")
			n += len(strings.Fields(string(text)))
		}
	}
	return b.String()
}

// TestConcurrentUse runs one Lexicon from several goroutines (under -race
// this checks that the shared tables are only read) and checks determinism.
func TestConcurrentUse(t *testing.T) {
	lex := analysis.NewLexicon()
	text := longTranscript(t, 2000)
	want := analyse(t, text).summary()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			rec := &recorder{}
			err := lex.Analyze(context.Background(), text, rec)
			if err == nil && rec.summary() != want {
				err = errors.New("results differ between runs of the same text")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
