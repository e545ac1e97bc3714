package decisions

// ErrInvalidCursor: `before` is not a cursor this server issued to the user.
// It is a *FieldError, so errors.Is(err, ErrInvalid) holds too.
var ErrInvalidCursor = fieldError("before", "not a cursor issued for this user")

// A cursor (idcursor) names the last decision of a page; the next page
// starts below it. It is only valid for the user whose decision it names:
// the store looks the decision up by user.
