// The image's HEALTHCHECK: liveness of the CRM process in this container,
// the API on PORT or the projector on CRM_PROJECTOR_PORT (one image, two
// commands), whichever answers. `node healthcheck.js ready` asks readiness.
const path = process.argv[2] === 'ready' ? '/health/ready' : '/health/live';
const ports = [process.env.PORT || '3000', process.env.CRM_PROJECTOR_PORT || '3001'];

async function healthy(port) {
  try {
    const reply = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
    return reply.ok;
  } catch {
    return false;
  }
}

(async () => {
  for (const port of ports) if (await healthy(port)) process.exit(0);
  process.exit(1);
})();
