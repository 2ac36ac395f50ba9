import { graphql } from './gql';

// Every GraphQL document of the app. `npm run codegen` reads this file and generates typed
// documents into src/gql/ from ../../schema.graphql.

export const InterestFieldsFragment = graphql(`
  fragment InterestFields on PersonInterest {
    id
    userId
    displayName
    description
    webUrl
    categories
    collaborationTags
    allowedAudiences
    lastModifiedDateTime
    etag
  }
`);

export const MeDocument = graphql(`
  query Me {
    me {
      id
      displayName
    }
  }
`);

export const MyInterestsDocument = graphql(`
  query MyInterests(
    $filter: InterestFilter
    $orderBy: InterestOrder
    $first: Int
    $after: String
  ) {
    me {
      id
      interests(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            ...InterestFields
          }
        }
      }
    }
  }
`);

export const CreateInterestDocument = graphql(`
  mutation CreateInterest($input: CreateInterestInput!) {
    createInterest(input: $input) {
      ...InterestFields
    }
  }
`);

export const UpdateInterestDocument = graphql(`
  mutation UpdateInterest($id: ID!, $input: UpdateInterestInput!, $ifMatch: String) {
    updateInterest(id: $id, input: $input, ifMatch: $ifMatch) {
      ...InterestFields
    }
  }
`);

export const DeleteInterestDocument = graphql(`
  mutation DeleteInterest($id: ID!) {
    deleteInterest(id: $id) {
      id
    }
  }
`);

export const InterestEventsDocument = graphql(`
  subscription InterestEvents($userId: ID) {
    interestEvents(userId: $userId) {
      type
      interestId
      userId
      at
      interest {
        ...InterestFields
      }
    }
  }
`);
