package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/gatehouse/gatehouse/client"
)

// A labeling service lets a request through only when Gatehouse says the
// caller may annotate the dataset in the path.
func ExampleMiddleware() {
	gh := client.New("http://127.0.0.1:8080", os.Getenv("GATEHOUSE_KEY")) // a key with the org role admin
	annotate := client.Middleware(gh, "acme", func(r *http.Request) (subject, permission, resource string) {
		user := r.Header.Get("X-User-Id") // whatever the service authenticates
		if user == "" {
			return "", "", "" // 401
		}
		return "user:" + user, "dataset.annotate", "dataset:" + r.PathValue("dataset")
	})
	mux := http.NewServeMux()
	mux.Handle("POST /datasets/{dataset}/annotations", annotate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := client.DecisionFrom(r.Context())
		fmt.Fprintf(w, "saved (allowed by %s at %s)\n", d.Reason.Role, d.Reason.Scope)
	})))
	log.Fatal(http.ListenAndServe("127.0.0.1:9000", mux))
}

func ExampleClient_Check() {
	c := client.New("http://127.0.0.1:8080", os.Getenv("GATEHOUSE_TOKEN"))
	d, err := c.Check(context.Background(), "acme", client.CheckRequest{
		Subject: "user:u_7", Permission: "dataset.annotate", Resource: "dataset:cats",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Allowed)
}
