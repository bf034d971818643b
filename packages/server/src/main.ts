/** `npm start`: the platform on the embedded database (or DATABASE_URL), with demo data on first start. */

import { seedDemoIfEmpty } from './demo-seed.ts';
import { readConfig } from './kernel/config.ts';
import { closeOnSignals, shutdownSeconds } from './ops/index.ts';
import { createPlatform } from './platform.ts';

const config = readConfig();
const platform = await createPlatform(config, { logger: true });
if (config.seedDemo) {
  const seeded = await seedDemoIfEmpty(platform);
  if (seeded) platform.app.log.info(`demo data loaded: ${seeded} resources`);
}
const url = await platform.listen();
platform.app.log.info(
  `Sahti is running: ${url}  (FHIR base ${url}/fhir/R4, database: ${platform.db.dialect})`,
);

// SIGTERM/SIGINT: stop accepting, finish in-flight requests and jobs, flush the audit, close the DB
closeOnSignals(() => platform.close(), { seconds: shutdownSeconds(), log: platform.app.log });
