/** confpush's operations endpoints (not part of Huawei's API): the answers of liveness and readiness. */
import { Type } from '@sinclair/typebox';

/** `GET /healthz`: the process answers HTTP. */
export const HealthResponse = Type.Object({ status: Type.Literal('ok') });

/** `GET /readyz` while the node serves (503 with an error body otherwise). */
export const ReadyResponse = Type.Object({ status: Type.Literal('ready') });
