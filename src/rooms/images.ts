/** The shipped room pictures, under public/rooms/; a new room picks one of these. */
export const ROOM_IMAGES = ['game', 'study', 'movie', 'music', 'art', 'code', 'food', 'travel', 'sport', 'chat'] as const;

export const roomImageUrl = (image: string) => `/static/rooms/${image}.svg`;
