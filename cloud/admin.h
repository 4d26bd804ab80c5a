/* SPDX-License-Identifier: MIT */
/*
 * `bedlink-cloud admin --config PATH <verb> [options]`: setting up a clinic
 * (institutions, teams, users, patients, gateways, sick-bed episodes) and the
 * operator's tools (migrate, list-alerts, ack-alert, escalate-due,
 * verify-audit). Every change commits together with its audit entry.
 * Secrets (user passwords, gateway MQTT passwords) are generated with
 * libsodium and printed once; only Argon2id hashes are stored.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

/*
 * Runs the verb in @argv[0] with its options, against the store of the
 * config at @config_path. Returns the exit code: 0 done, 1 a runtime
 * failure (or verify-audit found a bad entry), 2 a usage error.
 */
int admin_main(const char *config_path, int argc, char **argv);

/* Prints the verbs and their options to @f. */
void admin_usage(FILE *f);

/*
 * The mosquitto_passwd line ("USER:$7$101$SALT$HASH", PBKDF2-SHA512, the
 * format of Mosquitto 2.0) for @user and @password into @buf. Returns 0 or
 * -EIO.
 */
int admin_mosquitto_passwd_line(const char *user, const char *password, char *buf, size_t size);
