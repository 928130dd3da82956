package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series. Routes are labelled by their
// pattern ("GET /v1/orgs/{org}"), never by the raw path, so ids do not
// multiply series.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec

	// series caches each (route, status) pair's pair of series, and
	// decided the four decision counters: finding a series by its label
	// values hashes them, which costs more than a decision.
	series  sync.Map                 // routeStatus → *routeSeries
	decided [2][2]prometheus.Counter // [batch][allowed]
}

type routeStatus struct {
	route  string
	status int
}

type routeSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newMetrics(reg *prometheus.Registry) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &metrics{reg: reg}
	m.requests = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_http_requests_total",
		Help: "HTTP requests by route pattern and status.",
	}, []string{"route", "status"}))
	m.latency = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gatehouse_http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern and status.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "status"}))
	m.decisions = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_decisions_total",
		Help: "Access decisions answered over the API, by endpoint (check, batch) and result (allowed, denied).",
	}, []string{"endpoint", "result"}))
	for i, ep := range []string{"check", "batch"} {
		for j, res := range []string{"denied", "allowed"} {
			m.decided[i][j] = m.decisions.WithLabelValues(ep, res)
		}
	}
	return m
}

// register adds c to reg, or reuses the collector registered before (a
// second handler built over the same registry).
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	key := routeStatus{route, status}
	v, ok := m.series.Load(key)
	if !ok {
		code := strconv.Itoa(status)
		v, _ = m.series.LoadOrStore(key, &routeSeries{requests: m.requests.WithLabelValues(route, code),
			latency: m.latency.WithLabelValues(route, code)})
	}
	rs := v.(*routeSeries)
	rs.requests.Inc()
	rs.latency.Observe(d.Seconds())
}

// decision counts one decision of a check (batch false) or a batch check.
func (m *metrics) decision(batch, allowed bool) {
	m.decided[b2i(batch)][b2i(allowed)].Inc()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
