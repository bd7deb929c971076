import { LeasedReactor } from '@crm/shared/read-model';
import { echoReactor, openEchoStores } from './echo-reactor';

/**
 * One process running the echo reactor under its lease (reactor-leases.int.spec kills it).
 * Prints `owns`, `standby` and `reacted <ping event id>` lines the test reads.
 */
async function main(): Promise<void> {
  const { events, readStore } = await openEchoStores(process.env);
  const reactor = new LeasedReactor(
    events,
    echoReactor(events, (event) => process.stdout.write(`reacted ${event.metadata.eventId}\n`)),
    {
      leases: { store: readStore, ttlMs: Number(process.env['ECHO_TTL_MS'] ?? 1000), owner: `child:${process.pid}` },
      checkpointEveryMs: Number(process.env['ECHO_CHECKPOINT_EVERY_MS'] ?? 1000),
      onOwnership: (held) => process.stdout.write(held ? 'owns\n' : 'standby\n'),
      onFailure: (error) => process.stdout.write(`failed ${String(error)}\n`),
    },
  );
  await reactor.start();
  process.stdout.write(`started ${reactor.owns ? 'owner' : 'standby'}\n`);
  const stop = () =>
    void reactor
      .stop()
      .then(() => Promise.all([events.close(), readStore.close()]))
      .then(() => process.exit(0));
  process.on('SIGTERM', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
