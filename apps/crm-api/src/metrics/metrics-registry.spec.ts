import { MetricsRegistry } from './metrics-registry';

describe('MetricsRegistry', () => {
  it('renders counters and gauges in the Prometheus text format', () => {
    const metrics = new MetricsRegistry();
    metrics.increment('crm_http_requests_total', 'HTTP requests handled', { method: 'POST', route: '/api/v1/leads', status: '201' });
    metrics.increment('crm_http_requests_total', 'HTTP requests handled', { route: '/api/v1/leads', status: '201', method: 'POST' }, 2);
    metrics.set('crm_projection_lag_events', 'Events the projection still has to apply', { projection: 'a"b' }, 7);
    expect(metrics.render()).toBe(
      [
        '# HELP crm_http_requests_total HTTP requests handled',
        '# TYPE crm_http_requests_total counter',
        'crm_http_requests_total{method="POST",route="/api/v1/leads",status="201"} 3',
        '# HELP crm_projection_lag_events Events the projection still has to apply',
        '# TYPE crm_projection_lag_events gauge',
        'crm_projection_lag_events{projection="a\\"b"} 7',
        '',
      ].join('\n'),
    );
  });
});
