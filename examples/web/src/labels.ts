import { AllowedAudiences, CollaborationTag } from './gql/graphql';

// The pickers list the values of the generated enums (so a value added to the schema shows
// up after `npm run codegen`); these records give each a readable label, and the compiler
// insists on one for every value.

export const TAG_LABELS: Record<CollaborationTag, string> = {
  ASK_ME_ABOUT: 'Ask me about',
  ABLE_TO_MENTOR: 'Able to mentor',
  WANTS_TO_LEARN: 'Wants to learn',
  WANTS_TO_IMPROVE: 'Wants to improve',
};

export const AUDIENCE_LABELS: Record<AllowedAudiences, string> = {
  ME: 'Only me',
  FAMILY: 'Family',
  CONTACTS: 'Contacts',
  GROUP_MEMBERS: 'Group members',
  ORGANIZATION: 'My organization',
  FEDERATED_ORGANIZATIONS: 'Federated organizations',
  EVERYONE: 'Everyone',
  UNKNOWN_FUTURE_VALUE: 'Unknown',
};

/** In the order of the label records (narrowest audience first), not the generator's A–Z. */
function inLabelOrder<T extends string>(values: readonly T[], labels: Record<T, string>): T[] {
  const order = Object.keys(labels);
  return [...values].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

export const TAG_OPTIONS: readonly CollaborationTag[] = inLabelOrder(Object.values(CollaborationTag), TAG_LABELS);

/** `UNKNOWN_FUTURE_VALUE` is never accepted as input. */
export const AUDIENCE_OPTIONS: readonly AllowedAudiences[] = inLabelOrder(
  Object.values(AllowedAudiences).filter((a) => a !== AllowedAudiences.UnknownFutureValue),
  AUDIENCE_LABELS,
);

export const DEFAULT_AUDIENCE: AllowedAudiences = AllowedAudiences.Organization;
