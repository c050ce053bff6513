// Read-only lookups over the loaded knowledge that other parts (tickets,
// assistant) need without depending on retrieval.
import type { Item, Town } from './schemas.ts';

export interface Catalogue {
  /** Item by exact catalogue name. */
  item(name: string): Item | undefined;
  /** Town by canonical name. */
  town(name: string): Town | undefined;
  /** The county's own service centre (name, address, hours), for "go here instead". */
  countyCentre(): { name: string; address?: string; hours?: string; phone?: string };
  /** The county's hotline, e.g. 12345. */
  hotline(): string | undefined;
}
