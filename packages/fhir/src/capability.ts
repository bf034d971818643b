/** The CapabilityStatement: generated from what the engine really indexes and answers. */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestSecurity,
} from '@medplum/fhirtypes';
import { allResourceTypes, searchParametersOf } from './definitions.ts';

/** What the capability statement needs to know of a registered operation. */
export interface DeclaredOperation {
  name: string;
  levels: ('system' | 'type' | 'instance')[];
  resourceTypes?: string[];
}

const definitionOf = (name: string, type?: string): string =>
  `http://hl7.org/fhir/OperationDefinition/${type ?? 'Resource'}-${name}`;

export interface ServerIdentity {
  name: string;
  version: string;
  baseUrl: string;
  /** Security section, filled in by the server (OAuth2 / SMART endpoints). */
  security?: CapabilityStatementRestSecurity;
  /** Path of the Subscription WebSocket (R4 `websocket` channel), advertised as a ws(s): URL. */
  websocketPath?: string;
}

const WEBSOCKET_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket';

function websocketUrl(baseUrl: string, path: string): string {
  const url = new URL(path, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function capabilityStatement(
  server: ServerIdentity,
  operations: readonly DeclaredOperation[] = [],
): CapabilityStatement {
  const typeLevel = operations.filter((o) => o.levels.some((l) => l !== 'system'));
  const resources: CapabilityStatementRestResource[] = allResourceTypes().map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: [
      'read',
      'vread',
      'update',
      'patch',
      'delete',
      'history-instance',
      'history-type',
      'create',
      'search-type',
    ].map((code) => ({ code: code as 'read' })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'not-match',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    referencePolicy: ['literal', 'logical', 'local'],
    searchInclude: [...searchParametersOf(type).values()]
      .filter((p) => p.type === 'reference')
      .map((p) => `${type}:${p.code}`),
    searchRevInclude: [],
    searchParam: [...searchParametersOf(type).values()].map((p) => ({
      name: p.code as string,
      definition: p.url,
      type: p.type as 'string',
      documentation: p.description?.slice(0, 300),
    })),
    operation: (() => {
      const ops = typeLevel
        .filter((o) => o.resourceTypes?.includes(type))
        .map((o) => ({ name: o.name, definition: definitionOf(o.name, type) }));
      return ops.length > 0 ? ops : undefined;
    })(),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Sahti',
    kind: 'instance',
    software: { name: server.name, version: server.version },
    implementation: { description: 'Sahti FHIR R4 server', url: server.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        ...(server.websocketPath
          ? {
              extension: [
                { url: WEBSOCKET_EXTENSION, valueUri: websocketUrl(server.baseUrl, server.websocketPath) },
              ],
            }
          : {}),
        ...(server.security ? { security: server.security } : {}),
        resource: resources,
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
        operation: operations
          .filter((o) => o.levels.includes('system') || !o.resourceTypes)
          .map((o) => ({ name: o.name, definition: definitionOf(o.name) })),
        searchParam: [
          { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
          {
            name: '_lastUpdated',
            type: 'date',
            definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
          },
          { name: '_count', type: 'number' },
          { name: '_sort', type: 'string' },
          { name: '_total', type: 'token' },
          { name: '_summary', type: 'token' },
          { name: '_elements', type: 'string' },
          { name: '_include', type: 'string' },
          { name: '_revinclude', type: 'string' },
          { name: '_has', type: 'string' },
        ],
      },
    ],
  };
}
