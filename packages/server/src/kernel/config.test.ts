import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig, readEmbeddedSharedBuffers } from './config.ts';

describe('SAHTI_EMBEDDED_SHARED_BUFFERS: the embedded buffer pool', () => {
  it('is left to the embedded database (its default) when unset or empty', () => {
    assert.equal(readEmbeddedSharedBuffers({}), undefined);
    assert.equal(readEmbeddedSharedBuffers({ SAHTI_EMBEDDED_SHARED_BUFFERS: ' ' }), undefined);
    assert.equal(readConfig({}).embeddedSharedBuffers, undefined);
  });

  it('takes a size as PostgreSQL writes it, from 1MB to 1GB', () => {
    for (const size of ['1MB', '1024kB', '32MB', '256MB', '1GB']) {
      assert.equal(readEmbeddedSharedBuffers({ SAHTI_EMBEDDED_SHARED_BUFFERS: size }), size);
    }
    assert.equal(readConfig({ SAHTI_EMBEDDED_SHARED_BUFFERS: '64MB' }).embeddedSharedBuffers, '64MB');
  });

  it('stops the start with a message for anything else', () => {
    for (const size of ['32', '32 MB', '32mb', '-1MB', '0MB', '512kB', '2GB', '1.5GB', 'lots', '32MB;']) {
      assert.throws(
        () => readConfig({ SAHTI_EMBEDDED_SHARED_BUFFERS: size }),
        /SAHTI_EMBEDDED_SHARED_BUFFERS: ".*" is not a size from 1MB to 1GB/,
        size,
      );
    }
  });
});
