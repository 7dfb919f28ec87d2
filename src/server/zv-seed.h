/* zv-seed.h: `zveno-server seed`: fills a new database with a deterministic, realistic demo
 * company (people, chats, a long history of work chat, files, calls) for demos and benchmarks. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The password every seeded account signs in with, and the account the demo prints. */
#define ZV_SEED_DEMO_PASSWORD "demo"
#define ZV_SEED_DEMO_LOGIN    "anna"

/* argv[0] is "seed". Returns the process exit status. */
int zv_seed_main (int    argc,
                  char **argv);

G_END_DECLS
