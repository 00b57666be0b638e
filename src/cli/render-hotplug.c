// SPDX-License-Identifier: GPL-2.0-or-later
/* online/offline reports. JSON as cli.md: every block tried or skipped, in order. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/options.h"
#include "cli/render-hotplug.h"
#include "shared/json-out.h"
#include "shared/units.h"

/* A spare the run never needed is not part of the story. */
static bool reported(const struct mt_hp_step *st)
{
	return !(st->spare && st->result == MT_HP_PLANNED);
}

static const char *to_state(const struct mt_hp_plan *plan)
{
	return plan->action == MT_HP_ONLINE ? "online" : "offline";
}

static struct json_object *step_json(const struct mt_hp_plan *plan, const struct mt_hp_step *st)
{
	struct json_object *o = json_object_new_object();
	int err = !o;

	if (err)
		return NULL;
	err |= mt_json_add(o, "block", json_object_new_uint64(st->block));
	err |= mt_json_add(o, "from", mt_json_str(mt_state_name(st->from)));
	err |= mt_json_add(o, "to", mt_json_str(to_state(plan)));
	err |= mt_json_add(o, "result", mt_json_str(mt_hp_result_name(st->result)));
	err |= mt_json_add(o, "attempts", json_object_new_uint64(st->attempts));
	err |= mt_json_add(o, "errno", st->err ? mt_json_str(mt_errno_name(st->err)) : NULL);
	err |= mt_json_add(o, "elapsed_ms", json_object_new_uint64(st->elapsed_ms));
	err |= mt_json_add(o, "write", mt_json_str(st->write));
	err |= mt_json_add(o, "zone", st->zone[0] ? mt_json_str(st->zone) : NULL);
	err |= mt_json_add(o, "reason", st->reason ? mt_json_str(st->reason) : NULL);
	if (plan->action == MT_HP_OFFLINE)
		err |= mt_json_add(o, "offline_verdict",
				   st->verdict == MT_VERDICT_NONE
					   ? NULL
					   : mt_json_str(mt_verdict_name(st->verdict)));
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int add_steps(struct json_object *a, const struct mt_hp_plan *plan,
		     const struct mt_hp_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *o;

		if (!reported(&steps[i]))
			continue;
		o = step_json(plan, &steps[i]);
		if (!o || json_object_array_add(a, o) < 0)
			return -ENOMEM;
	}
	return 0;
}

static const char *status_of(const struct mt_hp_report *rep)
{
	enum mt_hp_status predicted;

	if (rep->outcome)
		return mt_hp_status_name(rep->outcome->status);
	if (rep->plan->refusal[0])
		return "failed";
	/* A dry run says what the real run would: "planned" stands for its "done". */
	predicted = mt_hp_predict(rep->plan);
	return predicted == MT_HP_STATUS_DONE ? "planned" : mt_hp_status_name(predicted);
}

/* The dry run's header: the plan, or why the real run would fall short. */
static const char *dry_verdict(const struct mt_hp_plan *plan)
{
	if (plan->refusal[0])
		return "would be refused";
	switch (mt_hp_predict(plan)) {
	case MT_HP_STATUS_DONE:
		break;
	case MT_HP_STATUS_PARTIAL:
		return "plan, would be partial";
	case MT_HP_STATUS_FAILED:
		return "plan, would fail";
	}
	return "plan";
}

int mt_hp_print_json(const struct mt_hp_report *rep, FILE *out)
{
	const struct mt_hp_plan *plan = rep->plan;
	struct json_object *doc = mt_json_document();
	struct json_object *blocks = json_object_new_array(), *rolled = json_object_new_array();
	int err = !doc || !blocks || !rolled;

	err |= !err && add_steps(blocks, plan, plan->steps, plan->nsteps) < 0;
	err |= !err && add_steps(blocks, plan, plan->skipped, plan->nskipped) < 0;
	for (size_t i = 0; !err && rep->outcome && i < rep->outcome->nrolled_back; i++)
		err |= json_object_array_add(rolled,
					     json_object_new_uint64(rep->outcome->rolled_back[i]));
	if (err) {
		json_object_put(doc);
		json_object_put(blocks);
		json_object_put(rolled);
		return -ENOMEM;
	}
	err |= mt_json_add(doc, "action", mt_json_str(mt_hp_action_name(plan->action)));
	err |= mt_json_add(doc, "dry_run", json_object_new_boolean(rep->dry_run));
	err |= mt_json_add(doc, "requested_bytes", json_object_new_uint64(plan->requested_bytes));
	err |= mt_json_add(doc, "done_bytes",
			   json_object_new_uint64(rep->outcome ? rep->outcome->done_bytes : 0));
	err |= mt_json_add(doc, "blocks", blocks);
	err |= mt_json_add(doc, "rolled_back", rolled);
	err |= mt_json_add(doc, "status", mt_json_str(status_of(rep)));
	err |= mt_json_add(doc, "refusal", plan->refusal[0] ? mt_json_str(plan->refusal) : NULL);
	if (err) {
		json_object_put(doc);
		return -ENOMEM;
	}
	return mt_json_print(doc, out);
}

static void step_line(const struct mt_hp_plan *plan, const struct mt_hp_step *st, FILE *out)
{
	char line[256], what[128] = "";
	size_t len;

	if (st->err)
		snprintf(what, sizeof(what), "%s%s%s", mt_errno_name(st->err),
			 st->reason ? ": " : "", st->reason ? st->reason : "");
	else if (st->reason && st->zone[0] && plan->action == MT_HP_ONLINE)
		snprintf(what, sizeof(what), "%s, zone %s", st->reason, st->zone);
	else if (st->reason)
		snprintf(what, sizeof(what), "%s", st->reason);
	else if (st->zone[0] && plan->action == MT_HP_ONLINE)
		snprintf(what, sizeof(what), "zone %s", st->zone);
	len = (size_t)snprintf(line, sizeof(line), "  memory%-6" PRIu32 " %-7s -> %-7s  %-11s",
			       st->block, mt_state_name(st->from), to_state(plan),
			       mt_hp_result_name(st->result));
	if (st->attempts && len < sizeof(line))
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					" %u attempt%s %6" PRIu64 " ms", st->attempts,
					st->attempts == 1 ? " " : "s", st->elapsed_ms);
	if (what[0] && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, "  %s", what);
	/* No trailing blanks from the padding of the last column. */
	len = strlen(line);
	while (len && line[len - 1] == ' ')
		line[--len] = '\0';
	fprintf(out, "%s\n", line);
}

int mt_hp_print_text(const struct mt_hp_report *rep, FILE *out)
{
	const struct mt_hp_plan *plan = rep->plan;
	const struct mt_hp_outcome *o = rep->outcome;
	char req[16], done[16];

	mt_size_human(plan->requested_bytes, req, sizeof(req));
	mt_size_human(o ? o->done_bytes : 0, done, sizeof(done));
	if (rep->dry_run)
		fprintf(out, "%s %s (dry run, nothing written): %s\n",
			mt_hp_action_name(plan->action), req, dry_verdict(plan));
	else
		fprintf(out, "%s %s: %s, %s done%s%s\n", mt_hp_action_name(plan->action), req,
			status_of(rep), done, o && o->interrupted ? " (interrupted)" : "",
			o && o->deadline_hit ? " (deadline reached)" : "");
	if (plan->refusal[0])
		fprintf(out, "not done: %s\n", plan->refusal);
	for (size_t i = 0; i < plan->nsteps; i++)
		if (reported(&plan->steps[i]))
			step_line(plan, &plan->steps[i], out);
	if (plan->nskipped)
		fputs("left alone:\n", out);
	for (size_t i = 0; i < plan->nskipped; i++)
		fprintf(out, "  memory%-6" PRIu32 " %s\n", plan->skipped[i].block,
			plan->skipped[i].reason);
	if (o && o->nrolled_back) {
		fputs("rolled back:", out);
		for (size_t i = 0; i < o->nrolled_back; i++)
			fprintf(out, " memory%" PRIu32, o->rolled_back[i]);
		fputc('\n', out);
	}
	return fflush(out) == 0 ? 0 : -errno;
}

void mt_hp_print_errors(const struct mt_hp_report *rep)
{
	const struct mt_hp_plan *plan = rep->plan;

	if (rep->quiet || !rep->outcome)
		return;
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct mt_hp_step *st = &plan->steps[i];

		if (st->result == MT_HP_DONE && st->reason) {
			/* The run changed it and could not put it back. */
			mt_err("memory%" PRIu32 ": %s, and putting it back failed: %s; it stays %s",
			       st->block, mt_hp_action_name(plan->action),
			       st->err ? mt_errno_name(st->err) : "?", to_state(plan));
			continue;
		}
		if (st->result != MT_HP_FAILED && st->result != MT_HP_TIMEOUT)
			continue;
		mt_err("memory%" PRIu32 ": %s failed: %s%s%s%s after %u attempt%s; %s", st->block,
		       mt_hp_action_name(plan->action), mt_errno_name(st->err),
		       st->reason ? " (" : "", st->reason ? st->reason : "", st->reason ? ")" : "",
		       st->attempts, st->attempts == 1 ? "" : "s",
		       st->err == EBUSY       ? "try another block or --retries"
		       : st->err == ETIMEDOUT ? "the block is as it was; try a longer --timeout"
		       : st->err == EINVAL    ? "the kernel will not change this block"
					      : "see dmesg for the kernel's reason");
	}
}
