package vrtraining

// errBadCursor: `after` is not a cursor this server issued.
var errBadCursor = fieldError("after", "not a cursor of this server")

// A cursor (idcursor) names the last session of a page; the next page
// starts after it in (createdAt, id) order. The store looks the session up,
// so the cursor carries no time of its own.
