/** The services of the platform, in the order they are registered (see kernel/module.ts). */
import type { SahtiModule } from '../kernel/module.ts';
import { bulkImport } from './bulk-import/index.ts';
import { dialysisModule } from './dialysis/index.ts';
import { directoryModule } from './directory/index.ts';
import { hubModule } from './hub/index.ts';
import { live } from './live/index.ts';
import { prescriptionsModule } from './prescriptions/index.ts';
import { recordsModule } from './records/index.ts';
import { schedulingModule } from './scheduling/index.ts';
import { subscriptions } from './subscriptions/index.ts';
import { summaryModule } from './summary/index.ts';
import { teleconsultModule } from './teleconsult/index.ts';
import { terminologyModule } from './terminology/index.ts';
import { unitsModule } from './units/index.ts';

export const MODULES: SahtiModule[] = [
  schedulingModule,
  directoryModule,
  subscriptions,
  live,
  teleconsultModule,
  prescriptionsModule,
  recordsModule,
  unitsModule,
  hubModule,
  summaryModule,
  dialysisModule,
  terminologyModule,
  bulkImport,
];
