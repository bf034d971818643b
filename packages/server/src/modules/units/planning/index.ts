/**
 * Mobile-unit planning: coverage analysis (distance from communes to the nearest health facility)
 * and the deployment planner (maximal covering location, `exact` with HiGHS or `fast`). Pure
 * functions over data passed in; `reference-files.ts` is the only part that reads files.
 */
export {
  type AreaCoverage,
  analyseCoverage,
  type CommuneAccess,
  type CoverageOptions,
  type CoverageReport,
  nearestFacilities,
  type PopulationBeyond,
} from './coverage.ts';
export { ExactSolver } from './exact.ts';
export {
  applyFacilityEdits,
  CARE_FACILITY_KINDS,
  FACILITY_KINDS,
  type Facility,
  type FacilityEdits,
  type FacilityKind,
  type FacilityProblem,
  isFacilityKind,
  parseFacilitiesCsv,
} from './facilities.ts';
export { haversineKm } from './geo.ts';
export {
  type Commune,
  type Geography,
  type Province,
  parseCommunes,
  parseProvinces,
  parseRegions,
  type Region,
} from './geography.ts';
export { checkParameters, type PlanningParameters, type PlanProblem } from './instance.ts';
export {
  type PlanMode,
  type PlannedStop,
  type PlanOptions,
  type PlanOutcome,
  type ProvinceAllocation,
  planUnits,
  type UnitPlan,
} from './plan.ts';
export {
  loadPlanningReference,
  type PlanningReference,
  REFERENCE_DIR,
  readFacilitiesFile,
} from './reference-files.ts';
