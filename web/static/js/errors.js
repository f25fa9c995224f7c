// Every refusal of the server in the page's language. The server's messages are English (the API's
// language); the pages say each error code in their own words from the shared catalogue. Where the
// details matter (a template's line and problem, which way there is no next activity) the server
// writes the message itself in the language the page asks for (Accept-Language, see apiHeaders),
// and the page shows that. tests/routes/test_pages.py checks that every code the server can send
// is here.
import { N_, lang, t } from "./common.js";

// Messages the server says in the page's language (server/text.py): shown as they come.
const SAID_BY_SERVER = new Set(["invalid_template", "invalid_template_values", "unknown_template", "invalid_settings", "no_activity", "no_block"]);

const UNFIT = N_("That answer does not fit this question.");
const NOT_UNDERSTOOD = N_("The server did not understand that message; reload the page.");

export const ERRORS = {
  // Answers on the phone.
  activity_closed: N_("This question is closed."),
  activity_not_open: N_("This question is not open right now."),
  text_too_long: N_("That is too long."),
  text_empty: N_("Type something first."),
  control_characters: N_("That text contains characters we cannot show."),
  noncharacter: N_("That text contains characters we cannot show."),
  combining_marks: N_("That text stacks too many accents on one letter."),
  wrong_kind: UNFIT,
  invalid_slot: UNFIT,
  unknown_statement: UNFIT,
  unknown_option: UNFIT,
  unknown_item: UNFIT,
  value_out_of_range: N_("That value is outside the scale."),
  too_many_picks: N_("You already picked the maximum number of statements."),
  too_many_answers: N_("You cannot add more answers."),
  too_many_options: N_("You chose too many options."),
  no_option: N_("Choose at least one option."),
  ranking_incomplete: N_("Put every item in order first."),
  points_over_budget: N_("You gave more points than you have."),
  too_late: N_("Time is up: this answer came too late."),
  answer_locked: N_("Your answer is locked; it cannot be changed."),
  own_word: N_("You cannot step in on your own word."),
  unknown_word: N_("That word is no longer in the circle."),
  already_stepped_in: N_("You already stepped in on this word."),
  client_id_reused: N_("This answer was already sent differently; reload the page."),
  rate_limited: N_("Slow down a little; we will send it in a moment."),
  storage_failed: N_("Not saved yet; we will try again."),
  join_failed: N_("Could not join; check the connection."),
  joins_closed: N_("The door is closed: no new participants now."),
  invalid_json: NOT_UNDERSTOOD,
  invalid_message: NOT_UNDERSTOOD,
  binary_frame: NOT_UNDERSTOOD,
  not_joined: N_("Join the meeting first."),
  invalid_status: N_("Choose done, partly or not yet."),
  // Series of meetings: links between their activities, the network pass.
  unknown_series: N_("Kring does not know this series."),
  in_another_series: N_("This meeting already belongs to another series."),
  not_in_series: N_("This meeting is not part of a series."),
  invalid_series_link: N_("A link is 1 to 64 characters: a-z, 0-9, - and _, starting with a letter or digit."),
  link_taken: N_("Another activity of this meeting already has this link."),
  link_mismatch: N_("This link joins activities that do not measure the same thing."),
  not_comparable: N_("Only a scale can be compared across meetings."),
  unknown_participant: N_("Join the meeting first."),
  no_pass: N_("This device carries no network pass; type your personal code."),
  unknown_pass: N_("This code is not a network pass of this series."),
  auth_timeout: N_("The screen did not sign in in time; reload the page."),
  nickname_text_too_long: N_("That nickname is too long (at most 40 characters)."),
  nickname_text_empty: N_("Type a nickname, or leave the field empty."),
  nickname_control_characters: N_("That nickname contains characters we cannot show."),
  nickname_noncharacter: N_("That nickname contains characters we cannot show."),
  nickname_combining_marks: N_("That nickname stacks too many accents on one letter."),
  invariant_broken: N_("The live results and the stored answers disagree; reload the page."),
  // Q&A and reactions beside the activities.
  qa_closed: N_("Q&A is closed."),
  too_many_questions: N_("You have asked the most questions a phone may ask."),
  unknown_question: N_("There is no such question (any more)."),
  own_question: N_("You cannot vote for your own question."),
  reactions_off: N_("Reactions are switched off."),
  unknown_reaction: N_("This meeting has no such reaction."),
  invalid_reaction_set: N_("Choose 1 to 8 different reactions."),
  // Self-paced questionnaires.
  questionnaire_closed: N_("This questionnaire is closed."),
  invalid_step: N_("That step is not in this questionnaire; reload the page."),
  invalid_questionnaire: N_("A questionnaire has 2 to 30 different activities."),
  not_self_paced: N_("This activity cannot be in a questionnaire: phones take part in it all at the same moment."),
  // The meeting, its keys and logins.
  unknown_code: N_("There is no meeting with this code."),
  unknown_meeting: N_("This meeting does not exist (any more)."),
  unknown_activity: N_("This activity does not exist (any more)."),
  unknown_block: N_("This agenda block does not exist (any more)."),
  unauthorized: N_("This needs the facilitator's link (the host key)."),
  forbidden: N_("This link or login does not open this meeting."),
  login_required: N_("Log in first: this Kring has facilitator accounts."),
  login_failed: N_("The email address or password is not right."),
  too_many_attempts: N_("Too many failed attempts. Wait a few minutes and try again."),
  too_many_meetings: N_("Too many new meetings from here; wait a while."),
  csrf: N_("Your session is out of date; reload the page."),
  email_taken: N_("There is already an account with this email address."),
  unknown_user: N_("There is no Kring account with this email address. Ask the administrator to create one (kring user add)."),
  invalid_email: N_("That is not an email address."),
  weak_password: N_("Use a password of at least 10 characters."),
  // Running the meeting.
  invalid_settings: N_("These settings do not fit this activity."),
  unknown_kind: N_("Kring does not know this kind of activity."),
  invalid_order: N_("The new order must list every item exactly once."),
  unknown_action: N_("Kring does not know this moderation action."),
  missing_field: N_("Something is missing in that request."),
  invalid_merge: N_("A word cannot be merged into itself."),
  has_answers: N_("This activity already has answers; reset its results before changing settings."),
  confirmation_required: N_("Confirm the reset first."),
  no_activity: N_("There is no next or previous activity."),
  no_agenda: N_("This meeting has no agenda blocks."),
  no_block: N_("There is no previous block."),
  agenda_not_started: N_("The agenda has not started yet; enter a block first."),
  invalid_duration: N_("A block lasts from 1 to 1440 minutes."),
  invalid_start_time: N_("Write the start time like 09:30."),
  // Templates, exports and the report.
  unknown_template: N_("Kring does not know this draaiboek."),
  invalid_template: N_("This draaiboek does not hold."),
  invalid_template_values: N_("Fill in every field of your draaiboek."),
  missing_title: N_("A meeting needs a title."),
  invalid_export: N_("This is not a Kring export."),
  too_large: N_("The file is larger than 20 MB."),
  report_unavailable: N_("The PDF needs Chromium on the Kring server; download the HTML report instead."),
  body_too_large: N_("That is more than the server accepts at once."),
  head_too_large: N_("That is more than the server accepts at once."),
  busy: N_("Too many templates are being read; try again in a moment."),
  no_code: N_("No free join code was found; try again."),
  // Anything else the server refuses.
  invalid_request: N_("That request is incomplete or not valid."),
  not_found: N_("Kring does not know this address."),
  method_not_allowed: N_("That request is not valid."),
  http_error: N_("That request is not valid."),
};

// {code, message} (the server's error) in the page's language.
export function errorText(error) {
  const code = error && error.code;
  const message = error && error.message;
  if (message && SAID_BY_SERVER.has(code)) return message;
  if (ERRORS[code]) return t(ERRORS[code]);
  // A code this page does not know: the server's (English) words on an English page only.
  if (message && lang === "en") return message;
  return t("Something went wrong ({code}).", { code: code || "?" });
}

// A failed fetch's error body, in the page's language ("http_503" when it brought none).
export async function responseError(response) {
  try {
    const body = await response.json();
    if (body && body.error) return errorText(body.error);
  } catch { /* not JSON */ }
  return errorText({ code: `http_${response.status}` });
}
