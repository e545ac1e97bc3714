package decisions

import (
	"sync"
	"time"

	"github.com/sessionhub/server/internal/platform/ratelimit"
)

// Limits bound credential guessing at three levels, each a fixed window of
// Window starting at the first failure. A connection that reached one is
// refused every action it may not take until that window ends.
type Limits struct {
	// MaxFailures is how many failed credential checks one connection may
	// make per window; then it is refused every action.
	MaxFailures int
	// MaxFailuresPerAddress is the same for all connections from one client
	// address together (0: no limit), so reconnecting does not reset it.
	MaxFailuresPerAddress int
	// MaxFailedGuesses is how many failed checks of a guessable credential
	// (an API key, a checksum) the whole process allows per window, from
	// everyone (0: no limit); then Register and Connection wait. Token
	// actions go on: 256-bit tokens cannot be guessed.
	MaxFailedGuesses int
	Window           time.Duration
	// Now is the clock (time.Now when nil); tests pass their own.
	Now func() time.Time
}

// DefaultLimits are the spec's: per minute, 10 failures per connection, 30
// per client address, 600 failed guesses per server process.
func DefaultLimits() Limits {
	return Limits{MaxFailures: 10, MaxFailuresPerAddress: 30, MaxFailedGuesses: 600, Window: 60 * time.Second}
}

// Scope says which limit refused an action.
type Scope int

const (
	ScopeConnection Scope = iota + 1
	ScopeAddress
	ScopeServer
)

// ErrRateLimited is what a RateLimitedError is (errors.Is).
var ErrRateLimited = ratelimit.ErrLimited

// RateLimitedError refuses an action until a limit's window ends.
type RateLimitedError = ratelimit.LimitedError[Scope]

// Guard holds the limits every connection of this process shares. It is
// safe for concurrent use.
type Guard struct {
	limits    Limits
	addresses *ratelimit.Counter
	guesses   *ratelimit.Counter
	guessing  addressLocks
}

// NewGuard returns a Guard with nothing counted yet.
func NewGuard(l Limits) *Guard {
	if l.Now == nil {
		l.Now = time.Now
	}
	return &Guard{
		limits:    l,
		addresses: ratelimit.NewCounter(ratelimit.Rule{Max: l.MaxFailuresPerAddress, Window: l.Window}, l.Now),
		guesses:   ratelimit.NewCounter(ratelimit.Rule{Max: l.MaxFailedGuesses, Window: l.Window}, l.Now),
		guessing:  addressLocks{held: map[string]*addressLock{}},
	}
}

// ForConnection starts counting a connection from address (see
// internal/platform/clientaddr).
func (g *Guard) ForConnection(address string) *FailureLimiter {
	return &FailureLimiter{guard: g, address: address, own: ratelimit.NewWindow(ratelimit.Rule{Max: g.limits.MaxFailures, Window: g.limits.Window})}
}

// FailureLimiter counts one connection's credential failures, in its own
// window and in the shared ones. It is not safe for concurrent use: a
// connection handles its frames one at a time.
type FailureLimiter struct {
	guard   *Guard
	address string
	own     *ratelimit.Window
}

// Run checks the limits (Check), runs attempt unless refused, and counts
// its error (Record). A guessable attempt runs alone among the guessable
// attempts from its address, so each sees the failures of those before it:
// many connections at once cannot pass the address's limit with guesses
// in flight.
func (l *FailureLimiter) Run(guessable bool, attempt func() (any, error)) (any, error) {
	if guessable {
		defer l.guard.guessing.lock(l.address)()
	}
	if err := l.Check(guessable); err != nil {
		return nil, err
	}
	reply, err := attempt()
	if err != nil {
		l.Record(err)
	}
	return reply, err
}

// Check refuses the next action with a *RateLimitedError while a limit is
// reached; guessable says the action checks an API key or a checksum
// (Register, Connection), which the server-wide ceiling holds back. When
// several limits are reached, the one that ends last is reported.
func (l *FailureLimiter) Check(guessable bool) error {
	var refusal *RateLimitedError
	consider := func(scope Scope, wait time.Duration, limited bool) {
		if limited && (refusal == nil || wait > refusal.RetryAfter) {
			refusal = &RateLimitedError{Scope: scope, RetryAfter: wait}
		}
	}
	wait, limited := l.own.Blocked(l.guard.limits.Now())
	consider(ScopeConnection, wait, limited)
	wait, limited = l.guard.addresses.Blocked(l.address)
	consider(ScopeAddress, wait, limited)
	if guessable {
		wait, limited = l.guard.guesses.Blocked("")
		consider(ScopeServer, wait, limited)
	}
	if refusal == nil {
		return nil
	}
	return refusal
}

// Record counts err if it is a credential failure; other errors, refusals
// and successes change nothing.
func (l *FailureLimiter) Record(err error) {
	if !IsCredentialFailure(err) {
		return
	}
	l.own.Add(l.guard.limits.Now())
	l.guard.addresses.Add(l.address)
	if IsFailedGuess(err) {
		l.guard.guesses.Add("")
	}
}

// addressLocks is a mutex per client address, kept only while held or
// awaited.
type addressLocks struct {
	mu   sync.Mutex
	held map[string]*addressLock
}

type addressLock struct {
	sync.Mutex
	users int // holding or waiting
}

// lock locks address's mutex and returns its unlock.
func (a *addressLocks) lock(address string) (unlock func()) {
	a.mu.Lock()
	l, ok := a.held[address]
	if !ok {
		l = &addressLock{}
		a.held[address] = l
	}
	l.users++
	a.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		a.mu.Lock()
		if l.users--; l.users == 0 {
			delete(a.held, address)
		}
		a.mu.Unlock()
	}
}
