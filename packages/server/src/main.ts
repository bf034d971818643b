/** `npm start`: the platform on the embedded database (or DATABASE_URL), with demo data on first start. */
import { readConfig } from './kernel/config.ts';
import { seedDemoIfEmpty } from './demo-seed.ts';
import { createPlatform } from './platform.ts';

const config = readConfig();
const platform = await createPlatform(config, { logger: true });
if (config.seedDemo) {
  const seeded = await seedDemoIfEmpty(platform.handler);
  if (seeded) platform.app.log.info(`demo data loaded: ${seeded} resources`);
}
const url = await platform.listen();
platform.app.log.info(
  `Sahti is running: ${url}  (FHIR base ${url}/fhir/R4, database: ${platform.db.dialect})`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    platform.close().finally(() => process.exit(0));
  });
}
