// Package analysis finds emotions, topics and insights (beliefs, challenges,
// action items, general insights) in the text of a therapy session.
//
// Two analysers implement Analyzer:
//
//   - NewLexicon, built in: offline and deterministic. It splits the text into
//     sentences (speaker labels such as "Therapist:" / "Client:" start a turn;
//     text without punctuation is cut at line breaks and clause words),
//     expands contractions ("can't", "cant" → "can not"), and applies its own
//     lexicon and rule base: emotion words with intensities, negation ("not
//     happy", "never felt safe"), intensifiers and diminishers ("very", "a
//     bit"), whose feeling it is (the client's own, a reflection by the
//     therapist, someone else's), topic keywords, and insight patterns. The
//     tables (lexicon_emotions.go, lexicon_topics.go, lexicon_insights.go)
//     were written for this package; they are not copied or derived from any
//     licensed lexicon such as NRC, LIWC or VADER. See Lexicon for what is
//     reported and how it is scored.
//   - NewHTTP, an external analyser behind the same interface.
//
// # Offsets
//
// Every result carries an Offset, its estimated position in the
// conversation: the index of its first word over the whole text at
// WordsPerMinute (150) words per minute, i.e. 400 ms per word. The therapy
// API stamps timestamp = content start + Offset.
//
// # External analyser protocol
//
// NewHTTP(baseURL, client) sends one request per text:
//
//	POST {baseURL}/analyze
//	Content-Type: application/json
//	{"text": "Therapist: How was your week? Client: ..."}
//
// and expects 2xx with application/json:
//
//	{
//	  "emotions": [{"name": "anxiety", "category": "negative", "intensity": 0.8,
//	                "offset_seconds": 12.4, "evidence": "I've been so anxious."}],
//	  "topics":   [{"name": "work", "category": "career", "confidence": 0.9,
//	                "offset_seconds": 3, "evidence": "My boss ..."}],
//	  "insights": [{"content": "I'm not good enough", "type": "belief",
//	                "confidence": 0.7, "offset_seconds": 40, "evidence": "..."}]
//	}
//
// Each list may be empty or absent. Required per item: name and category
// (non-empty, ≤ 200 bytes) for emotions and topics; content (non-empty) and
// type (insight|belief|challenge|action_item) for insights; intensity or
// confidence as a number in 0..1. offset_seconds (default 0) must be in
// 0..604800; evidence is optional; content and evidence are ≤ 4000 bytes.
// Unknown fields are ignored, so the service can add some. At most 10,000
// items per list and 8 MiB per reply.
//
// Errors: a transport failure or a non-2xx reply is ErrRemote (the message
// names the status and the start of the body); a reply that is not JSON, has
// a wrong type or a value out of bounds is ErrBadResponse and nothing of it
// is delivered; a cancelled ctx returns ctx's error; an http.Client timeout
// is ErrRemote. A valid reply is delivered in order emotions, topics,
// insights, then Progress(1).
package analysis
