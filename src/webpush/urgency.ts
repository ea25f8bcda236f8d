/** RFC 8030 §5.3 urgencies, lowest first. */
export const URGENCIES = ['very-low', 'low', 'normal', 'high'] as const

/** An RFC 8030 urgency. */
export type Urgency = (typeof URGENCIES)[number]
