import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig: the blob store', () => {
  it('keeps blobs under the data dir unless S3_BUCKET is set', () => {
    expect(loadConfig({}).s3).toBeUndefined();
  });

  it('reads an S3-compatible store from S3_*; path-style by default with an endpoint', () => {
    const s3 = loadConfig({
      S3_BUCKET: 'stems', S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret', S3_PREFIX: 'mixroom',
    }).s3;
    expect(s3).toEqual({
      bucket: 'stems', prefix: 'mixroom/', region: 'us-east-1', endpoint: 'http://minio:9000', forcePathStyle: true,
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
  });

  it('on AWS: virtual-hosted URLs, the region from AWS_REGION, and the SDK default credentials', () => {
    expect(loadConfig({ S3_BUCKET: 'stems', AWS_REGION: 'eu-west-1' }).s3).toEqual({
      bucket: 'stems', prefix: 'blobs/', region: 'eu-west-1', endpoint: undefined, forcePathStyle: false, credentials: undefined,
    });
  });

  it('refuses half a configuration with a message that says what is missing', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'http://minio:9000' })).toThrow('S3_ENDPOINT set without S3_BUCKET');
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' })).toThrow('set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000' })).toThrow('S3_ENDPOINT must be an http(s) URL');
  });
});

describe('loadConfig: ICE_SERVERS for talkback', () => {
  it('defaults to none and reads a JSON list of STUN/TURN servers', () => {
    expect(loadConfig({}).iceServers).toEqual([]);
    const servers = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org:3478?transport=udp'], username: 'u', credential: 'p' }];
    expect(loadConfig({ ICE_SERVERS: JSON.stringify(servers) }).iceServers).toEqual(servers);
  });
  it('refuses what is not a list of ICE servers, saying why', () => {
    expect(() => loadConfig({ ICE_SERVERS: 'stun:x' })).toThrow('ICE_SERVERS must be JSON');
    expect(() => loadConfig({ ICE_SERVERS: '[{"urls":"http://x"}]' })).toThrow('starts with stun:, stuns:, turn: or turns:');
  });
});
