"""People, and what Korpo keeps of them (a work e-mail, a name, their choices):

accounts         sign-up, sign-in and passwords through the user pool's public API
signup_limits    the public account pages' e-mails: a few per address, a ceiling per hour
existing_account the e-mail an address with an account gets when it signs up again
newcomers        accounts not signed in yet (invited, signed up), and their state
invite_list      the addresses an admin pastes to invite, each line checked
invitation_mail  the invitation e-mail's words, English and French
invitations      invite (Cognito AdminCreateUser), send again, withdraw; the e-mail's content
signup           who may sign up (the work-e-mail domains; no AWS, for the PreSignUp trigger)
employees        the profile made on the first visit
profiles         what an employee chooses: name, team, pseudonym, language, digest
names            display names on the boards, or a stable pseudonym
teams            the teams admins keep, and the monthly team board
directory        everyone by name, a page at a time
roster           the admins' list of employees
access           admin rights and deactivation, taken back at once
privacy          everything of one employee as JSON, and the account's deletion
"""
