package httpapi_test

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.resource(t, "acme", "dataset:dogs", nil)

		// Create: the secret is shown once.
		exp := e.clock.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
		r := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "ingest bot", "role": "dataset.editor",
			"scope": "dataset:cats", "expires_at": exp.Format(time.RFC3339)}).want(t, 201)
		k := r.obj(t)
		hasKeys(t, "key", k, "id", "name", "prefix", "secret", "expires_at", "revision")
		secret := k["secret"].(string)
		id := k["id"].(string)
		if !strings.HasPrefix(secret, "gsk_") || !strings.HasPrefix(id, "k_") || !strings.HasPrefix(secret, k["prefix"].(string)) || len(k["prefix"].(string)) >= len(secret) {
			t.Errorf("key %v", k)
		}
		// It works as a bearer, within its grant.
		bot := e.as(secret)
		bot.get("/v1/orgs/acme").want(t, 200)
		if !bot.allowed(t, "acme", "", "dataset.upload", "dataset:cats") || bot.allowed(t, "acme", "", "dataset.upload", "dataset:dogs") {
			t.Errorf("key's grant does not hold as created")
		}
		bot.put("/v1/orgs/acme/resources/dataset/new", nil).want(t, 403)
		bot.get("/v1/orgs/acme/keys").want(t, 403)

		// Listed without secrets or hashes; last use recorded.
		list := e.owner.get("/v1/orgs/acme/keys").want(t, 200).items(t)
		if len(list) != 2 {
			t.Fatalf("keys %v", list)
		}
		for _, x := range list {
			hasKeys(t, "listed key", x, "id", "name", "prefix", "created_by", "created_at", "last_used_at", "expires_at")
			for _, bad := range []string{"secret", "hash", "prev_hash"} {
				if _, ok := x[bad]; ok {
					t.Errorf("listed key has %q: %v", bad, x)
				}
			}
			if x["id"] == id && (x["last_used_at"] == nil || x["created_by"] != "user:"+e.boot.UserID) {
				t.Errorf("listed key %v", x)
			}
		}

		// Rotate with overlap: both work until the overlap ends.
		rot := e.owner.post("/v1/orgs/acme/keys/"+id+"/rotate", map[string]any{"overlap_seconds": 60}).want(t, 200).obj(t)
		hasKeys(t, "rotated", rot, "id", "secret", "prefix", "revision")
		secret2 := rot["secret"].(string)
		if secret2 == secret || rot["id"] != id {
			t.Errorf("rotated %v", rot)
		}
		bot2 := e.as(secret2)
		bot.get("/v1/orgs/acme").want(t, 200)
		bot2.get("/v1/orgs/acme").want(t, 200)
		e.clock.Advance(61 * time.Second)
		bot.get("/v1/orgs/acme").want(t, 401)
		bot2.get("/v1/orgs/acme").want(t, 200)
		// Without overlap the old secret dies at once.
		rot3 := e.owner.post("/v1/orgs/acme/keys/"+id+"/rotate", map[string]any{"overlap_seconds": 0}).want(t, 200).obj(t)
		bot2.get("/v1/orgs/acme").want(t, 401)
		bot3 := e.as(rot3["secret"].(string))
		bot3.get("/v1/orgs/acme").want(t, 200)
		e.owner.post("/v1/orgs/acme/keys/"+id+"/rotate", nil).want(t, 200) // body optional
		bot3.get("/v1/orgs/acme").want(t, 401)
		e.owner.post("/v1/orgs/acme/keys/"+id+"/rotate", map[string]any{"overlap_seconds": -1}).want(t, 422)
		e.owner.post("/v1/orgs/acme/keys/k_nothing/rotate", map[string]any{}).want(t, 404)

		// Revoke: the next request gets 401.
		fresh := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "temp", "role": "admin"}).want(t, 201).obj(t)
		tmp := e.as(fresh["secret"].(string))
		tmp.get("/v1/orgs/acme/members").want(t, 200)
		e.owner.delete("/v1/orgs/acme/keys/"+fresh["id"].(string)).want(t, 204)
		tmp.get("/v1/orgs/acme/members").want(t, 401)
		tmp.post("/v1/orgs/acme/check", map[string]any{"permission": "org.view"}).want(t, 401)
		e.owner.delete("/v1/orgs/acme/keys/"+fresh["id"].(string)).want(t, 409)
		e.owner.delete("/v1/orgs/acme/keys/k_nothing").want(t, 404)
		if e.owner.allowed(t, "acme", "key:"+fresh["id"].(string), "org.view", "") {
			t.Errorf("revoked key still allowed")
		}

		// A key never holds more than its creator; members make no keys.
		ada, _ := e.member(e.owner, "acme", "ada@acme.test", "admin")
		ada.post("/v1/orgs/acme/keys", map[string]any{"name": "too much", "role": "owner"}).want(t, 403)
		ada.post("/v1/orgs/acme/keys", map[string]any{"name": "fine", "role": "admin"}).want(t, 201)
		e.key.post("/v1/orgs/acme/keys", map[string]any{"name": "by key", "role": "owner"}).want(t, 403)
		mem, _ := e.member(e.owner, "acme", "mem@acme.test", "member")
		mem.post("/v1/orgs/acme/keys", map[string]any{"name": "nope", "role": "member"}).want(t, 403)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "", "role": "admin"}).want(t, 422)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "past", "role": "admin", "expires_at": e.clock.Now().Add(-time.Minute).Format(time.RFC3339)}).want(t, 422)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "x", "role": "dataset.viewer", "scope": "dataset:nope"}).want(t, 404)

		// Expiry.
		short := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "short", "role": "admin",
			"expires_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339)}).want(t, 201).obj(t)
		sk := e.as(short["secret"].(string))
		sk.get("/v1/orgs/acme").want(t, 200)
		e.clock.Advance(2 * time.Hour)
		sk.get("/v1/orgs/acme").want(t, 401)
	})
}

// TestKeyPages: the store pages the keys, in creation order, each once; a
// token that names no key is a 400, not an empty page.
func TestKeyPages(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var want []string
		for i := range 6 {
			k := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "bot " + strconv.Itoa(i), "role": "admin", "scope": "org"}).want(t, 201).obj(t)
			want = append(want, k["id"].(string))
		}
		var got []string
		tok := ""
		for pages := 1; ; pages++ {
			r := e.owner.get("/v1/orgs/acme/keys?limit=3&page_token="+url.QueryEscape(tok)).want(t, 200)
			for _, k := range r.items(t) {
				got = append(got, k["id"].(string))
			}
			if tok = r.str(t, "next_page_token"); tok == "" {
				break
			}
			if pages > 5 {
				t.Fatal("key pages do not end")
			}
		}
		// The bootstrap key comes first: it is the oldest.
		if len(got) != 7 || !slices.Equal(got[1:], want) {
			t.Errorf("paged keys %v, want the bootstrap key then %v", got, want)
		}
		e.owner.get("/v1/orgs/acme/keys?page_token=k_nosuchkey").want(t, 400)
	})
}
