import { codec } from './wire';
import { encodeQueryDataResponse } from './query-data-encoder';
import type { QueryDataResponse } from './messages';

const generic = codec<QueryDataResponse>('pluginv2.QueryDataResponse');

describe('encodeQueryDataResponse', () => {
  it('encodes what the generic protobuf codec decodes back, byte for byte the same message', () => {
    const big = Buffer.alloc(300_000, 7);
    const res: QueryDataResponse = {
      responses: {
        A: { frames: [Buffer.from('ARROW1-a'), big], status: 200 },
        ünïcode: { frames: [], status: 400, error: 'queue "x" not found — really', errorSource: 'downstream' },
        empty: { frames: [], status: 0 },
      },
    };
    const bytes = encodeQueryDataResponse(res);
    const back = generic.decode(bytes);
    expect(back.responses.A.frames.map((f) => Buffer.from(f))).toEqual([Buffer.from('ARROW1-a'), big]);
    expect(back.responses.A.status).toBe(200);
    expect(back.responses['ünïcode']).toMatchObject({
      status: 400,
      error: 'queue "x" not found — really',
      errorSource: 'downstream',
    });
    expect(back.responses.empty.status).toBe(0);
    // protobufjs writes the same fields in the same order for the same message
    expect(bytes.equals(generic.encode(res))).toBe(true);
  });
});
