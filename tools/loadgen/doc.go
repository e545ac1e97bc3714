// Package loadgen holds what the project's load tools share: the rule that
// they dial only loopback addresses, latency summaries, and the two views of
// the server process they read (its /metrics and, on Linux, /proc).
//
// The scenarios themselves live in the sub-packages (chat, avatar) so that
// both their own commands (tools/chatload, tools/avatarload) and tools/bench
// run the same code.
package loadgen
