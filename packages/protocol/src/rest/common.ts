/** Schema pieces shared by the REST routes. */
import { Type } from '@sinclair/typebox';

export const ErrorBodySchema = Type.Object(
  { error_code: Type.String(), error_msg: Type.String() },
  { $id: 'ErrorBody', description: 'Huawei-style error body' },
);

/** Error responses every route may give. */
export const errorResponses = {
  400: ErrorBodySchema,
  401: ErrorBodySchema,
  403: ErrorBodySchema,
  500: ErrorBodySchema,
};

export const ConferenceIdQuery = Type.Object({
  conferenceID: Type.String({ minLength: 1, maxLength: 32, description: 'Meeting ID returned at creation' }),
});

/** Integer flags Huawei documents as 0/1: in a body only the JSON integers 0 and 1 (the server's api/validation.ts). */
export const Flag = (description: string) => Type.Union([Type.Literal(0), Type.Literal(1)], { description });
